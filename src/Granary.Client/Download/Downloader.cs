using System.Buffers;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Chk;

namespace Granary.Client.Download;

/// <summary>
/// Gets a file back: finds its shares, reads k of them from the fastest servers, verifies every
/// block before use, decodes, decrypts and writes the plaintext in order.
/// </summary>
/// <remarks>
/// Segments are fetched in windows of about 2 MiB per share, one ranged read per share per window,
/// a few windows ahead of the decoder, so transfer and decoding overlap and memory stays bounded. A
/// block that fails its hash is replaced by another share's block of the same segment; a share that
/// fails to answer, answers late or has bad hashes is replaced for the rest of the download (see
/// <see cref="ShareSession"/>); only the replacement's part of the window is fetched.
/// </remarks>
internal sealed class Downloader(StorageGrid grid)
{
    private const int WindowBytes = 2 << 20;
    private const int WindowsAhead = 3;

    /// <summary>Writes the file, or bytes <c>[from, to]</c> of it (inclusive), to <paramref name="output"/>; returns the bytes written.</summary>
    public async Task<long> DownloadAsync(ChkReadCap cap, Stream output, long? from, long? to, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var (start, end) = ReadRange.Clip(from, to, cap.Size);
        if (end == start)
        {
            return 0;
        }

        using var decoder = new ChkDecoder(cap);
        var session = await ShareSession.OpenAsync(grid, decoder, cap.StorageIndex, cancellationToken).ConfigureAwait(false);
        var p = session.Parameters;
        long written = 0;
        await ForEachSegmentAsync(grid, session, (int)(start / p.SegmentSize), (int)((end - 1) / p.SegmentSize), async (segment, plaintext) =>
        {
            var segmentStart = p.SegmentOffset(segment);
            var skip = (int)Math.Max(0, start - segmentStart);
            var take = (int)(Math.Min(end, segmentStart + plaintext.Length) - segmentStart) - skip;
            await output.WriteAsync(plaintext.Slice(skip, take), cancellationToken).ConfigureAwait(false);
            written += take;
            progress?.Report(new TransferProgress("downloading", written, end - start));
        }, cancellationToken).ConfigureAwait(false);
        return written;
    }

    /// <summary>Decodes segments <c>[first, last]</c> in order, handing each one's plaintext to <paramref name="consume"/>.</summary>
    internal static Task ForEachSegmentAsync(
        StorageGrid grid, ShareSession session, int first, int last, Func<int, ReadOnlyMemory<byte>, ValueTask> consume, CancellationToken cancellationToken)
    {
        var plaintext = new byte[session.Parameters.SegmentSize];
        return ForEachDecodedAsync(
            grid, session, first, last, plaintext, static (decoder, segment, shares, blocks, output) => decoder.DecodeSegment(segment, shares, blocks, output),
            (segment, length) => consume(segment, plaintext.AsMemory(0, length)), cancellationToken);
    }

    /// <summary>
    /// Decodes segments <c>[first, last]</c> in order without decrypting them: each one's k data blocks
    /// (its verified ciphertext and padding) go to the start of <paramref name="dataBlocks"/>, then
    /// <paramref name="consume"/> is told the segment and its ciphertext's length. Needs no read key.
    /// </summary>
    internal static Task ForEachCiphertextSegmentAsync(
        StorageGrid grid, ShareSession session, int first, int last, Memory<byte> dataBlocks, Func<int, int, ValueTask> consume, CancellationToken cancellationToken) =>
        ForEachDecodedAsync(
            grid, session, first, last, dataBlocks, static (decoder, segment, shares, blocks, output) => decoder.DecodeCiphertext(segment, shares, blocks, output),
            consume, cancellationToken);

    private delegate int SegmentDecode(ChkDecoder decoder, int segment, ReadOnlySpan<int> shares, ReadOnlySpan<byte> blocks, Span<byte> output);

    private static async Task ForEachDecodedAsync(
        StorageGrid grid, ShareSession session, int first, int last, Memory<byte> output, SegmentDecode decode, Func<int, int, ValueTask> consume, CancellationToken cancellationToken)
    {
        var p = session.Parameters;
        var perWindow = Math.Max(1, WindowBytes / Math.Max(1, p.BlockSize));
        var windows = new Queue<Window>();
        var nextWindowStart = first;
        var blocks = new byte[p.BlockSize * p.K];
        var numbers = new int[p.K];

        void FetchAhead()
        {
            while (windows.Count < WindowsAhead && nextWindowStart <= last)
            {
                var count = Math.Min(perWindow, last - nextWindowStart + 1);
                windows.Enqueue(Window.Fetch(grid, session, nextWindowStart, count, cancellationToken));
                nextWindowStart += count;
            }
        }

        FetchAhead();
        while (windows.Count > 0)
        {
            using var window = windows.Dequeue();
            FetchAhead();
            for (var segment = window.First; segment < window.First + window.Count; segment++)
            {
                var length = await DecodeAsync(grid, session, window, segment, blocks, numbers, output, decode, cancellationToken).ConfigureAwait(false);
                await consume(segment, length).ConfigureAwait(false);
            }
        }
    }

    // Decodes one segment from k good blocks, replacing a block that fails its hash by another
    // share's and a share that fails as a whole by another share.
    private static async Task<int> DecodeAsync(
        StorageGrid grid, ShareSession session, Window window, int segment, byte[] blocks, int[] numbers, Memory<byte> output, SegmentDecode decode, CancellationToken cancellationToken)
    {
        var p = session.Parameters;
        var blockSize = p.BlockSizeOf(segment);
        while (true)
        {
            var shares = await session.SharesForAsync(segment, cancellationToken).ConfigureAwait(false);
            RemoteShare? failed = null;
            Exception? failure = null;
            for (var i = 0; i < shares.Count && failed is null; i++)
            {
                numbers[i] = shares[i].Share;
                try
                {
                    var data = await window.DataOfAsync(grid, session, shares[i], cancellationToken).ConfigureAwait(false);
                    data.AsSpan((segment - window.First) * p.BlockSize, blockSize).CopyTo(blocks.AsSpan(i * blockSize));
                }
                catch (Exception e) when (e is StorageException or CorruptShareException)
                {
                    (failed, failure) = (shares[i], e);
                }
            }

            if (failed is null)
            {
                try
                {
                    return decode(session.Decoder, segment, numbers, blocks.AsSpan(0, blockSize * p.K), output.Span);
                }
                catch (CorruptShareException e) when (e.Segment == segment)
                {
                    await session.BlockFailedAsync(shares.First(s => s.Share == e.ShareNumber), segment, e, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                catch (CorruptShareException e)
                {
                    (failed, failure) = (shares.First(s => s.Share == e.ShareNumber), e);
                }
                catch (CorruptFileException e)
                {
                    throw new DownloadException($"The file's shares disagree: {e.Message}", e);
                }
            }

            await session.DropAsync(failed, failure!, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Segments <c>[First, First + Count)</c> of the shares active when it was started, fetched in
    /// parallel into pooled buffers that go back to the pool when the window is done with.
    /// </summary>
    private sealed class Window : IDisposable
    {
        private readonly Dictionary<RemoteShare, (byte[] Buffer, Task Read)> _data = [];

        private Window(int first, int count)
        {
            First = first;
            Count = count;
        }

        public int First { get; }

        public int Count { get; }

        public static Window Fetch(StorageGrid grid, ShareSession session, int first, int count, CancellationToken cancellationToken)
        {
            var window = new Window(first, count);
            foreach (var share in session.Preferred)
            {
                window.Start(grid, session, share, cancellationToken);
            }

            return window;
        }

        /// <summary>This window's bytes of a share, fetching them now for a share that joined since.</summary>
        public async Task<byte[]> DataOfAsync(StorageGrid grid, ShareSession session, RemoteShare share, CancellationToken cancellationToken)
        {
            var (buffer, read) = _data.TryGetValue(share, out var started) ? started : Start(grid, session, share, cancellationToken);
            await read.ConfigureAwait(false);
            return buffer;
        }

        /// <summary>Gives back the buffers whose reads are over; one still being written to is left to the collector.</summary>
        public void Dispose()
        {
            foreach (var (buffer, read) in _data.Values)
            {
                if (read.IsCompleted)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }

            _data.Clear();
        }

        private (byte[] Buffer, Task Read) Start(StorageGrid grid, ShareSession session, RemoteShare share, CancellationToken cancellationToken)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(RemoteShare.BlocksLength(session.Parameters, First, Count));
            return _data[share] = (buffer, share.ReadBlocksAsync(grid, session.Index, session.Parameters, First, Count, buffer, cancellationToken));
        }
    }
}
