using Granary.Core.Caps;
using Granary.Core.Chk;

namespace Granary.Testing;

/// <summary>A file encoded into whole shares held in memory, and decoding them back.</summary>
public sealed class EncodedFile : IChkSegmentSink
{
    private readonly MemoryStream[] _blocks;

    private EncodedFile(int n) => _blocks = Enumerable.Range(0, n).Select(_ => new MemoryStream()).ToArray();

    public ChkEncoding Encoding { get; private set; } = null!;

    public ChkReadCap Cap => Encoding.ReadCap;

    public byte[][] Shares { get; private set; } = [];

    public static async Task<EncodedFile> CreateAsync(byte[] plaintext, EncodingParameters parameters, byte[]? secret = null)
    {
        var file = new EncodedFile(parameters.N);
        using var input = new MemoryStream(plaintext);
        var result = await ImmutableFileEncoder.EncodeAsync(input, secret ?? new byte[32], parameters, file);
        file.Encoding = result.Chk!;
        file.Shares = Enumerable.Range(0, parameters.N)
            .Select(share => file.Encoding.Header.Serialize().Concat(file._blocks[share].ToArray()).Concat(file.Encoding.Trailer(share)).ToArray())
            .ToArray();
        return file;
    }

    public ValueTask WriteSegmentAsync(int segment, ReadOnlyMemory<byte> shareBlocks, int blockSize, CancellationToken cancellationToken)
    {
        for (var share = 0; share < _blocks.Length; share++)
        {
            _blocks[share].Write(shareBlocks.Span.Slice(share * blockSize, blockSize));
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Decodes the whole file from the given shares (k of them), verifying everything.</summary>
    public byte[] Decode(IReadOnlyList<int> shareNumbers, ChkReadCap? cap = null) => Decode(Shares, shareNumbers, cap ?? Cap);

    public static byte[] Decode(byte[][] shares, IReadOnlyList<int> shareNumbers, ChkReadCap cap)
    {
        using var decoder = new ChkDecoder(cap);
        foreach (var share in shareNumbers)
        {
            decoder.AcceptShare(share, shares[share]);
        }

        var p = decoder.Parameters;
        var header = ShareHeader.For(p);
        var plaintext = new byte[p.Size];
        for (var segment = 0; segment < p.SegmentCount; segment++)
        {
            var blockSize = p.BlockSizeOf(segment);
            var blocks = new byte[blockSize * p.K];
            for (var i = 0; i < shareNumbers.Count; i++)
            {
                var offset = header.BlockOffset(segment);
                var share = shares[shareNumbers[i]];
                var available = (int)Math.Clamp(share.Length - offset, 0, blockSize);
                share.AsSpan((int)offset, available).CopyTo(blocks.AsSpan(i * blockSize));
            }

            decoder.DecodeSegment(segment, shareNumbers.ToArray(), blocks, plaintext.AsSpan((int)p.SegmentOffset(segment)));
        }

        return plaintext;
    }
}
