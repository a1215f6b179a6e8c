using Granary.Core.Caps;

namespace Granary.Core.Chk;

/// <summary>
/// Decodes an immutable file from whole shares held in memory (an operator's share files, tests):
/// every share is checked as <see cref="ChkDecoder.AcceptShare"/> checks it, bad ones are set aside
/// with the reason, and each segment is decoded from k shares whose blocks of it verify.
/// </summary>
public static class ChkFileReader
{
    public static (byte[] Plaintext, IReadOnlyList<string> Problems) Read(ChkReadCap cap, IEnumerable<(int ShareNumber, ReadOnlyMemory<byte> Bytes)> shares)
    {
        ArgumentNullException.ThrowIfNull(cap);
        using var decoder = new ChkDecoder(cap);
        var problems = new List<string>();
        var good = new SortedDictionary<int, ReadOnlyMemory<byte>>();
        foreach (var (number, bytes) in shares)
        {
            if (good.ContainsKey(number))
            {
                continue;
            }

            try
            {
                decoder.AcceptShare(number, bytes.Span);
                good[number] = bytes;
            }
            catch (CorruptShareException e)
            {
                problems.Add($"share {number}: {e.Reason}");
            }
            catch (ArgumentOutOfRangeException)
            {
                problems.Add($"share {number}: its number is outside the file's {cap.N} shares");
            }
        }

        if (good.Count < cap.K)
        {
            throw new CorruptFileException($"Only {good.Count} good share(s) of the {cap.K} needed. {string.Join("; ", problems)}".TrimEnd());
        }

        var p = decoder.Parameters;
        var header = ShareHeader.For(p);
        var plaintext = new byte[p.Size];
        var numbers = new int[p.K];
        var blocks = new byte[p.BlockSize * p.K];
        for (var segment = 0; segment < p.SegmentCount; segment++)
        {
            var blockSize = p.BlockSizeOf(segment);
            var chosen = 0;
            foreach (var (number, bytes) in good)
            {
                var offset = (int)header.BlockOffset(segment);
                var block = bytes.Span.Slice(offset, Math.Min(blockSize, Math.Max(0, bytes.Length - offset)));
                try
                {
                    decoder.VerifyBlock(number, segment, block);
                }
                catch (CorruptShareException e)
                {
                    problems.Add($"share {number}: {e.Reason}");
                    continue;
                }

                block.CopyTo(blocks.AsSpan(chosen * blockSize));
                numbers[chosen++] = number;
                if (chosen == p.K)
                {
                    break;
                }
            }

            if (chosen < p.K)
            {
                throw new CorruptFileException($"Segment {segment} has good blocks in only {chosen} share(s), {p.K} needed. {string.Join("; ", problems)}");
            }

            decoder.DecodeSegment(segment, numbers, blocks.AsSpan(0, blockSize * p.K), plaintext.AsSpan((int)p.SegmentOffset(segment)));
        }

        return (plaintext, problems);
    }
}
