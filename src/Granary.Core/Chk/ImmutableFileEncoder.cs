using System.Buffers;
using Granary.Core.Caps;

namespace Granary.Core.Chk;

/// <summary>What encoding a file produced: its read cap, and for a CHK file everything else.</summary>
public sealed record ImmutableFileEncoding(Cap ReadCap, ChkEncoding? Chk);

/// <summary>
/// Encodes a whole file from a seekable stream in two passes (key derivation, then encoding), holding
/// two plaintext segments and one segment's blocks in memory at a time whatever the file's size.
/// Files of 55 bytes or less become literal caps.
/// </summary>
public static class ImmutableFileEncoder
{
    public static async Task<ImmutableFileEncoding> EncodeAsync(
        Stream input,
        ReadOnlyMemory<byte> convergenceSecret,
        EncodingParameters parameters,
        IChkSegmentSink? sink = null,
        IProgress<EncodeProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (!input.CanSeek || !input.CanRead)
        {
            throw new ArgumentException("Encoding reads the file twice, so it needs a readable, seekable stream.", nameof(input));
        }

        parameters.Validate();
        var size = input.Length - input.Position;
        var start = input.Position;
        if (size <= ChkParameters.MaxLiteralSize)
        {
            var data = new byte[size];
            await input.ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
            return new ImmutableFileEncoding(new LiteralCap(data), null);
        }

        var chk = ChkParameters.Create(size, parameters);
        byte[] key;
        using (var keyHasher = new ConvergentKeyHasher(convergenceSecret.Span, chk))
        {
            await ForEachSegmentAsync(input, chk, EncodePhase.DerivingKey, progress, (_, plaintext) =>
            {
                keyHasher.Append(plaintext.Span);
                return ValueTask.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
            key = keyHasher.Finish();
        }

        input.Position = start;
        using var encoder = new ChkEncoder(chk, key);
        var blocks = ArrayPool<byte>.Shared.Rent(chk.BlockSize * chk.N);
        try
        {
            await ForEachSegmentAsync(input, chk, EncodePhase.Encoding, progress, async (segment, plaintext) =>
            {
                var blockSize = chk.BlockSizeOf(segment);
                encoder.EncodeSegment(plaintext.Span, blocks);
                if (sink is not null)
                {
                    await sink.WriteSegmentAsync(segment, blocks.AsMemory(0, blockSize * chk.N), blockSize, cancellationToken).ConfigureAwait(false);
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(blocks);
        }

        var encoding = encoder.Finish();
        return new ImmutableFileEncoding(encoding.ReadCap, encoding);
    }

    // Reads segment i+1 while segment i is processed, so disk and CPU overlap.
    private static async Task ForEachSegmentAsync(
        Stream input,
        ChkParameters chk,
        EncodePhase phase,
        IProgress<EncodeProgress>? progress,
        Func<int, ReadOnlyMemory<byte>, ValueTask> process,
        CancellationToken cancellationToken)
    {
        var current = ArrayPool<byte>.Shared.Rent(chk.SegmentSize);
        var next = ArrayPool<byte>.Shared.Rent(chk.SegmentSize);
        try
        {
            await ReadSegmentAsync(input, current, chk.SegmentLengthOf(0), cancellationToken).ConfigureAwait(false);
            long done = 0;
            for (var segment = 0; segment < chk.SegmentCount; segment++)
            {
                var length = chk.SegmentLengthOf(segment);
                var reading = segment + 1 < chk.SegmentCount
                    ? ReadSegmentAsync(input, next, chk.SegmentLengthOf(segment + 1), cancellationToken)
                    : Task.CompletedTask;
                try
                {
                    await process(segment, current.AsMemory(0, length)).ConfigureAwait(false);
                }
                finally
                {
                    await reading.ConfigureAwait(false);
                }

                done += length;
                progress?.Report(new EncodeProgress(phase, done, chk.Size));
                (current, next) = (next, current);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(next);
        }
    }

    private static async Task ReadSegmentAsync(Stream input, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        var read = await input.ReadAtLeastAsync(buffer.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read < length)
        {
            throw new IOException("The file became shorter while it was being encoded; encode it again once it stops changing.");
        }
    }
}
