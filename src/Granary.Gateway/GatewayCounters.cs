using System.Text.Json.Nodes;
using Granary.Core.Caps;

namespace Granary.Gateway;

/// <summary>What a gateway has done since it started, for <c>/statistics</c> (named as Tahoe names its counters).</summary>
public sealed class GatewayCounters(TimeProvider time)
{
    private readonly DateTimeOffset _started = time.GetUtcNow();
    private long _requests;
    private long _filesUploaded;
    private long _bytesUploaded;
    private long _mutableUploaded;
    private long _downloads;
    private long _bytesDownloaded;
    private long _failed;

    public void Request() => Interlocked.Increment(ref _requests);

    public void Failed() => Interlocked.Increment(ref _failed);

    public void Uploaded(Cap cap)
    {
        if (cap is MutableWriteCap)
        {
            Interlocked.Increment(ref _mutableUploaded);
            return;
        }

        Interlocked.Increment(ref _filesUploaded);
        if (cap is ChkReadCap chk)
        {
            Interlocked.Add(ref _bytesUploaded, chk.Size);
        }
        else if (cap is LiteralCap literal)
        {
            Interlocked.Add(ref _bytesUploaded, literal.Data.Length);
        }
    }

    public void Downloaded(long bytes)
    {
        Interlocked.Increment(ref _downloads);
        Interlocked.Add(ref _bytesDownloaded, bytes);
    }

    /// <summary><c>{"stats": {…}, "counters": {…}}</c>, as <c>/statistics?t=json</c> answers.</summary>
    public JsonObject ToJson(int servers) => new()
    {
        ["stats"] = new JsonObject
        {
            ["node.uptime"] = Math.Round((time.GetUtcNow() - _started).TotalSeconds, 3),
            ["gateway.storage_servers"] = servers,
        },
        ["counters"] = new JsonObject
        {
            ["gateway.requests"] = Interlocked.Read(ref _requests),
            ["gateway.requests_failed"] = Interlocked.Read(ref _failed),
            ["uploader.files_uploaded"] = Interlocked.Read(ref _filesUploaded),
            ["uploader.bytes_uploaded"] = Interlocked.Read(ref _bytesUploaded),
            ["mutable.files_published"] = Interlocked.Read(ref _mutableUploaded),
            ["downloader.files_downloaded"] = Interlocked.Read(ref _downloads),
            ["downloader.bytes_downloaded"] = Interlocked.Read(ref _bytesDownloaded),
        },
    };
}
