using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Mutable;

namespace Granary.Client.Mutable;

/// <summary>
/// Reads bytes of one version of a mutable file (mutable-dirnode §14), streaming: k shares of the
/// version, lowest share numbers first (the first k are the data itself), each with its block hash
/// tree checked against the signed root; then windows of segments, each segment's data checked
/// against its leaf before it is decoded and decrypted. Only the segments a range covers are read.
/// A share that fails any check or whose server fails is replaced by another share of the version.
/// </summary>
internal sealed class MutableRetriever(GranaryClient client, StorageIndex index, ReadOnlyMemory<byte> readKey)
{
    private const int WindowBytes = 2 << 20;
    private const int WindowsAhead = 3;

    /// <summary>Writes bytes <c>[start, end)</c> of <paramref name="version"/> to <paramref name="output"/>.</summary>
    public async Task ReadAsync(ServerMap map, MutableVersion version, long start, long end, Func<ReadOnlyMemory<byte>, ValueTask> output, CancellationToken cancellationToken)
    {
        var p = version.Parameters;
        if (end <= start || p.SegmentCount == 0)
        {
            return;
        }

        var candidates = map.Versions.SharesOf(version).OrderBy(s => s.ShareNumber).ToList();
        var opened = new List<OpenShare>();
        var dropped = new List<string>();
        var decoder = new MutableDecoder(version, readKey.Span);
        var first = p.SegmentOf(start);
        var last = p.SegmentOf(end - 1);
        var perWindow = Math.Max(1, WindowBytes / Math.Max(1, p.SegmentDataLength(0)));
        var plaintext = new byte[p.SegmentSize];
        var blocks = new byte[p.K * p.BlockSize];
        var numbers = new int[p.K];
        // Two windows in flight: the next is fetched while this one is decoded.
        var pending = new Queue<(int Start, int Count, Task<Window> Fetch)>();
        var nextStart = first;
        void FetchAhead()
        {
            while (pending.Count < WindowsAhead && nextStart <= last)
            {
                var count = Math.Min(perWindow, last - nextStart + 1);
                pending.Enqueue((nextStart, count, FetchWindowAsync([.. opened.Take(p.K)], version, nextStart, count, cancellationToken)));
                nextStart += count;
            }
        }

        await OpenEnoughAsync(map, version, candidates, opened, dropped, cancellationToken).ConfigureAwait(false);
        FetchAhead();
        while (pending.Count > 0)
        {
            var (windowStart, count, fetch) = pending.Dequeue();
            var window = await fetch.ConfigureAwait(false);
            while (window.Failures.Count > 0)
            {
                window.Dispose();
                foreach (var (share, reason) in window.Failures)
                {
                    opened.Remove(share);
                    dropped.Add($"share {share.Share} on node {share.Server.Url.NodeId.ToString()[..8]}: {reason}");
                }

                await OpenEnoughAsync(map, version, candidates, opened, dropped, cancellationToken).ConfigureAwait(false);
                window = await FetchWindowAsync([.. opened.Take(p.K)], version, windowStart, count, cancellationToken).ConfigureAwait(false);
            }

            FetchAhead();
            using var owned = window;
            var windowOffset = p.SegmentDataOffset(windowStart);
            for (var segment = windowStart; segment < windowStart + count; segment++)
            {
                var blockSize = p.BlockSizeOf(segment);
                var at = (int)(p.SegmentDataOffset(segment) - windowOffset);
                var stride = p.SegmentDataLength(segment);
                var salt = ReadOnlySpan<byte>.Empty;
                for (var i = 0; i < p.K; i++)
                {
                    var data = window.Data[i].AsSpan(at, stride);
                    numbers[i] = window.Shares[i].Share;
                    var block = version.Format == MutableFormat.Mdmf ? data[MutableParameters.SaltSize..] : data;
                    block.CopyTo(blocks.AsSpan(i * blockSize));
                    salt = version.Format == MutableFormat.Mdmf ? data[..MutableParameters.SaltSize] : version.Salt;
                }

                var length = p.SegmentLengthOf(segment);
                decoder.DecodeSegment(segment, numbers, blocks.AsSpan(0, blockSize * p.K), salt, plaintext);
                var segmentStart = p.SegmentOffset(segment);
                var skip = (int)Math.Max(0, start - segmentStart);
                var take = (int)(Math.Min(end, segmentStart + length) - segmentStart) - skip;
                await output(plaintext.AsMemory(skip, take)).ConfigureAwait(false);
            }
        }
    }

    private async Task OpenEnoughAsync(ServerMap map, MutableVersion version, List<(StorageClient Server, int ShareNumber)> candidates, List<OpenShare> opened, List<string> dropped, CancellationToken cancellationToken)
    {
        var k = version.Parameters.K;
        while (opened.Count < k)
        {
            var next = candidates.FirstOrDefault(c => opened.All(o => o.Share != c.ShareNumber));
            if (next.Server is null)
            {
                throw new MutableException(
                    $"Cannot read version {version.Seqnum} of the file: {opened.Count} usable share(s) of it remain but {k} are needed." + (dropped.Count == 0 ? "" : " Problems: " + string.Join("; ", dropped.Take(8))));
            }

            candidates.Remove(next);
            var location = map.Locations[(next.Server, next.ShareNumber)];
            try
            {
                opened.Add(await OpenShare.OpenAsync(client.Grid, index, location, cancellationToken).ConfigureAwait(false));
                opened.Sort((a, b) => a.Share.CompareTo(b.Share));
            }
            catch (Exception e) when (e is CorruptShareException or StorageException)
            {
                var reason = (e as CorruptShareException)?.Reason ?? ((StorageException)e).Reason;
                dropped.Add($"share {next.ShareNumber} on node {next.Server.Url.NodeId.ToString()[..8]}: {reason}");
                if (e is CorruptShareException)
                {
                    await ServerMap.ReportAsync(client.Grid, next.Server, index, next.ShareNumber, reason, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>One window's checked segment data from each of k shares, or the shares that failed.</summary>
    private sealed record Window(IReadOnlyList<OpenShare> Shares, byte[][] Data, List<(OpenShare Share, string Reason)> Failures) : IDisposable
    {
        public void Dispose()
        {
            for (var i = 0; i < Data.Length; i++)
            {
                if (Data[i] is { } buffer)
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                    Data[i] = null!;
                }
            }
        }
    }

    // Fetches and checks a window of segments from the given k shares, in parallel.
    private async Task<Window> FetchWindowAsync(IReadOnlyList<OpenShare> shares, MutableVersion version, int first, int count, CancellationToken cancellationToken)
    {
        var data = new byte[shares.Count][];
        var failures = new List<(OpenShare, string)>();
        await Task.WhenAll(shares.Select(async (share, i) =>
        {
            try
            {
                data[i] = await share.FetchAsync(client.Grid, index, first, count, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is CorruptShareException or StorageException)
            {
                var reason = (e as CorruptShareException)?.Reason ?? ((StorageException)e).Reason;
                if (e is CorruptShareException)
                {
                    await ServerMap.ReportAsync(client.Grid, share.Server, index, share.Share, reason, cancellationToken).ConfigureAwait(false);
                }

                lock (failures)
                {
                    failures.Add((share, reason));
                }
            }
        })).ConfigureAwait(false);
        return new Window(shares, data, failures);
    }

    /// <summary>One share in use: its checked block hash tree, and the window of segment data last fetched and checked.</summary>
    private sealed class OpenShare
    {
        private readonly MutableVersion _version;
        private readonly byte[] _blockHashTree;

        private OpenShare(StorageClient server, int share, MutableVersion version, byte[] blockHashTree)
        {
            Server = server;
            Share = share;
            _version = version;
            _blockHashTree = blockHashTree;
        }

        public StorageClient Server { get; }

        public int Share { get; }

        public static async Task<OpenShare> OpenAsync(StorageGrid grid, StorageIndex index, MutableShareLocation location, CancellationToken cancellationToken)
        {
            var version = location.Version;
            var o = version.Offsets;
            var chainLength = (int)(version.Format == MutableFormat.Sdmf ? o.BlockHashTree - o.ShareHashChain : o.Signature - o.ShareHashChain);
            var chain = o.ShareHashChain + chainLength <= location.Prefix.Length
                ? location.Prefix.AsSpan((int)o.ShareHashChain, chainLength).ToArray()
                : await ServerMap.ReadExactAsync(grid, location.Server, index, location.Share, o.ShareHashChain, chainLength, cancellationToken).ConfigureAwait(false);
            var treeLength = version.Parameters.BlockHashTreeNodeCount * MutableSecrets.HashSize;
            var tree = o.BlockHashTree + treeLength <= location.Prefix.Length
                ? location.Prefix.AsSpan((int)o.BlockHashTree, treeLength).ToArray()
                : await ServerMap.ReadExactAsync(grid, location.Server, index, location.Share, o.BlockHashTree, treeLength, cancellationToken).ConfigureAwait(false);
            MutableShareValidation.CheckBlockHashTree(location.Share, version, tree, chain);
            return new OpenShare(location.Server, location.Share, version, tree);
        }

        /// <summary>The share's data for segments <c>[first, first + count)</c>, each segment checked against its leaf, in a pooled buffer the caller returns.</summary>
        public async Task<byte[]> FetchAsync(StorageGrid grid, StorageIndex index, int first, int count, CancellationToken cancellationToken)
        {
            var p = _version.Parameters;
            var from = p.SegmentDataOffset(first);
            var to = p.SegmentDataOffset(first + count - 1) + p.SegmentDataLength(first + count - 1);
            var length = (int)(to - from);
            var window = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
            try
            {
                var read = await grid.WithDeadlineAsync(Server, ct => Server.ReadMutableAsync(index, Share, _version.Offsets.ShareData + from, window.AsMemory(0, length), ct), cancellationToken).ConfigureAwait(false);
                if (read != length)
                {
                    throw new CorruptShareException(Share, $"it ends before segment {first + count - 1}'s data");
                }

                for (var segment = first; segment < first + count; segment++)
                {
                    MutableShareValidation.CheckSegment(Share, _version, _blockHashTree, segment, window.AsSpan((int)(p.SegmentDataOffset(segment) - from), p.SegmentDataLength(segment)));
                }

                return window;
            }
            catch
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(window);
                throw;
            }
        }
    }
}
