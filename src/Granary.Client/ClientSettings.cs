using Granary.Core.Chk;
using Granary.Core.Protocol;

namespace Granary.Client;

/// <summary>
/// How a client encodes what it stores and how long it waits for a server: fixed when the client is
/// built (from its <c>client.json</c>, a hub's advice or the caller), never changed afterwards.
/// </summary>
/// <param name="Needed">k: shares needed to read a file back.</param>
/// <param name="Happy">An immutable upload succeeds only when its shares sit on at least this many servers.</param>
/// <param name="Total">n: shares made of each file.</param>
/// <param name="MaxSegmentSize">The largest segment of an immutable file.</param>
public sealed record ClientSettings(int Needed = 3, int Happy = 7, int Total = 10, int MaxSegmentSize = 1 << 20, TimeSpan? RequestTimeout = null)
{
    /// <summary>A server that has not answered a request in this long is treated as failed for it.</summary>
    public TimeSpan Timeout => RequestTimeout ?? TimeSpan.FromSeconds(30);

    /// <summary>
    /// The CHK parameters an immutable file of <paramref name="size"/> bytes is encoded with; its
    /// convergent key depends on them, so every path that derives one asks here.
    /// </summary>
    public ChkParameters ImmutableParameters(long size) =>
        ChkParameters.Create(size, new EncodingParameters(Needed, Total, MaxSegmentSize));

    /// <summary>The settings a client directory's <c>client.json</c> gives.</summary>
    public static ClientSettings From(ClientConfig config) =>
        new(config.Needed, config.Happy, config.Total, config.MaxSegmentSize, config.RequestTimeout);

    /// <summary>These settings with a hub's advice on k, happy and n taken, when it makes sense.</summary>
    public ClientSettings Following(EncodingAdvice? advice) =>
        advice is { } a && a.Needed >= 1 && a.Needed <= a.Happy && a.Happy <= a.Total && a.Total <= 256
            ? this with { Needed = a.Needed, Happy = a.Happy, Total = a.Total }
            : this;
}
