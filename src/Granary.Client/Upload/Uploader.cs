using Granary.Core.Caps;
using Granary.Core.Chk;

namespace Granary.Client.Upload;

/// <summary>What an upload did.</summary>
public sealed record UploadResult(Cap ReadCap, long Size, int SharesUploaded, int SharesAlreadyPresent, int Happiness, IReadOnlyList<string> Warnings);

/// <summary>
/// Puts a file on the grid: encodes it (two passes over the file, memory bounded), places its
/// shares by servers of happiness on the permuted ring, and streams them to their servers.
/// </summary>
/// <remarks>
/// If servers fail during the upload, their shares are placed on other servers and made again in
/// another encoding pass (encoding is deterministic once the key is known), up to two more times.
/// The upload succeeds when the shares on the grid reach the configured happiness, as a final probe
/// of the servers confirms; otherwise it fails and says why.
/// </remarks>
internal sealed class Uploader(GranaryClient client)
{
    private const int MaxPasses = 3;
    private const int AesCtrKeySize = 16;

    /// <summary>How long a failed or cancelled upload spends telling servers to drop its allocations.</summary>
    private static readonly TimeSpan AbortLimit = TimeSpan.FromSeconds(5);

    /// <summary>Whether a file of <paramref name="size"/> bytes is stored in its cap (<c>URI:LIT:</c>) rather than on servers.</summary>
    public static bool IsLiteral(long size) => size <= ChkParameters.MaxLiteralSize;

    /// <summary>
    /// Stores exactly <paramref name="size"/> bytes read once from <paramref name="input"/> (a request
    /// body, a pipe) under a random key instead of the convergent one: no second pass, no spooling.
    /// Without the second pass there is no retry either: if servers fail so that happiness is not
    /// reached, the upload fails.
    /// </summary>
    public async Task<UploadResult> UploadOnceAsync(Stream input, long size, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (IsLiteral(size))
        {
            var data = new byte[size];
            await input.ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
            return new UploadResult(new LiteralCap(data), size, 0, 0, 0, []);
        }

        var settings = client.Settings;
        var chk = settings.ImmutableParameters(size);
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(AesCtrKeySize);
        var sink = new ShareStreamer(client, new SharePlacer(client), progress);
        ChkEncoding encoding;
        try
        {
            encoding = await ImmutableFileEncoder.EncodeWithKeyAsync(input, chk, key, sink, null, cancellationToken).ConfigureAwait(false);
            await sink.FinishAsync(encoding, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            await sink.AbortUnfinishedAsync(AbortLimit).ConfigureAwait(false);
            throw;
        }

        var warnings = sink.FailedServers.Select(f => $"node {f.Key.ToString()[..8]} failed during the upload: {f.Value}").ToList();
        var happiness = Selection.Happiness.Of(await HoldersAsync(encoding.StorageIndex, cancellationToken).ConfigureAwait(false));
        if (happiness < settings.Happy)
        {
            throw new UploadException($"The upload ended with its shares on only {happiness} server(s); happy = {settings.Happy}. {string.Join(" ", warnings)}".TrimEnd());
        }

        return new UploadResult(encoding.ReadCap, size, sink.Completed.Count(), chk.N - sink.Assigned.Count, happiness, warnings);
    }

    /// <summary>
    /// Stores the file from the stream's position to its end under its convergent key: derived in a
    /// first pass over the stream, unless the caller derived it as it wrote the stream
    /// (<paramref name="convergentKey"/>, see <see cref="UploadSpool"/>).
    /// </summary>
    public async Task<UploadResult> UploadAsync(Stream input, IProgress<TransferProgress>? progress, CancellationToken cancellationToken, byte[]? convergentKey = null)
    {
        if (!input.CanSeek)
        {
            throw new ArgumentException("Uploading reads the file twice; give a seekable stream (spool standard input to a file first).", nameof(input));
        }

        var settings = client.Settings;
        var start = input.Position;
        var size = input.Length - start;
        if (IsLiteral(size))
        {
            // The file fits in its cap: no server, no secret.
            var data = new byte[size];
            await input.ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
            return new UploadResult(new LiteralCap(data), size, 0, 0, 0, []);
        }

        var hashing = progress is null ? null : new Progress<EncodeProgress>(p =>
        {
            if (p.Phase == EncodePhase.DerivingKey)
            {
                progress.Report(new TransferProgress("hashing", p.BytesDone, p.TotalBytes));
            }
        });

        var parameters = settings.ImmutableParameters(size);
        var key = convergentKey ?? await ImmutableFileEncoder.DeriveKeyAsync(input, parameters, client.Secrets.Convergence, hashing, cancellationToken).ConfigureAwait(false);
        input.Position = start;
        var sink = new ShareStreamer(client, new SharePlacer(client), progress);
        ChkEncoding chk;
        try
        {
            chk = await ImmutableFileEncoder.EncodeWithKeyAsync(input, parameters, key, sink, null, cancellationToken).ConfigureAwait(false);
            await sink.FinishAsync(chk, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Failed or cancelled (Ctrl-C, SIGTERM): leave no allocation holding space on the nodes.
            await sink.AbortUnfinishedAsync(AbortLimit).ConfigureAwait(false);
            throw;
        }

        var warnings = sink.Unusable.Select(u => $"node {u.Key.ToString()[..8]} could not be used: {u.Value}")
            .Concat(sink.FailedServers.Select(f => $"node {f.Key.ToString()[..8]} failed during the upload: {f.Value}")).ToList();
        var uploaded = sink.Completed.Count();
        var present = chk.Parameters.N - sink.Assigned.Count;

        // Servers failed mid-upload: place their shares elsewhere and make them again.
        for (var pass = 1; pass < MaxPasses && sink.Assigned.Except(sink.Completed).Any(); pass++)
        {
            input.Position = start;
            sink = new ShareStreamer(client, new SharePlacer(client), progress);
            try
            {
                var again = await ImmutableFileEncoder.EncodeWithKeyAsync(input, chk.Parameters, chk.ReadCap.Key.ToArray(), sink, null, cancellationToken).ConfigureAwait(false);
                await sink.FinishAsync(again, cancellationToken).ConfigureAwait(false);
            }
            catch (UploadException e)
            {
                await sink.AbortUnfinishedAsync(AbortLimit).ConfigureAwait(false);
                warnings.Add($"could not place the lost shares again: {e.Message}");
                break;
            }
            catch (Exception)
            {
                await sink.AbortUnfinishedAsync(AbortLimit).ConfigureAwait(false);
                throw;
            }

            warnings.AddRange(sink.FailedServers.Select(f => $"node {f.Key.ToString()[..8]} failed during the upload: {f.Value}"));
            uploaded += sink.Completed.Count();
        }

        var holders = await HoldersAsync(chk.StorageIndex, cancellationToken).ConfigureAwait(false);
        var happiness = Selection.Happiness.Of(holders);
        if (happiness < settings.Happy)
        {
            throw new UploadException(
                $"The upload ended with its shares on only {happiness} server(s); happy = {settings.Happy}. {string.Join(" ", warnings)}".TrimEnd());
        }

        return new UploadResult(chk.ReadCap, size, uploaded, present, happiness, warnings);
    }

    /// <summary>Which servers hold which shares now, asked of every server.</summary>
    private async Task<Dictionary<int, IReadOnlySet<Core.Identity.NodeId>>> HoldersAsync(StorageIndex index, CancellationToken cancellationToken)
    {
        var holders = new Dictionary<int, HashSet<Core.Identity.NodeId>>();
        foreach (var probe in await client.Grid.ProbeAsync(index, withSpace: false, cancellationToken).ConfigureAwait(false))
        {
            foreach (var share in probe.Holds)
            {
                if (!holders.TryGetValue(share, out var set))
                {
                    holders[share] = set = [];
                }

                set.Add(probe.Server.Url.NodeId);
            }
        }

        return holders.ToDictionary(h => h.Key, h => (IReadOnlySet<Core.Identity.NodeId>)h.Value);
    }
}
