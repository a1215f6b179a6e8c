using Granary.Core.Chk;
using Granary.Testing;

namespace Granary.Core.Tests.Chk;

/// <summary>Shares re-made from the ciphertext with the verify cap alone are the upload's, byte for byte.</summary>
public class ShareRebuilderTests
{
    [Theory]
    [InlineData(56, 3, 10, 131_072)] // one tiny segment
    [InlineData(300_000, 3, 10, 131_072)] // three segments, a short tail
    [InlineData(262_144, 3, 10, 131_072)] // two full segments
    [InlineData(1_000_001, 1, 4, 65_536)] // k = 1
    [InlineData(500_000, 7, 7, 100_000)] // k = n: no parity at all
    public async Task Every_share_comes_back_byte_for_byte_from_any_k_of_them(int size, int k, int n, int maxSegment)
    {
        var seed = size + k;
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        var file = await EncodedFile.CreateAsync(data, new EncodingParameters(k, n, maxSegment));

        var rebuilt = Rebuild(file.Shares, file.Cap.VerifyCap, [.. Enumerable.Range(n - k, k)], tamper: null);

        for (var share = 0; share < n; share++)
        {
            Assert.True(file.Shares[share].AsSpan().SequenceEqual(rebuilt[share]), $"share {share} differs (seed {seed})");
        }
    }

    [Fact]
    public async Task Blocks_that_do_not_lead_to_the_share_root_hash_are_refused()
    {
        var data = new byte[300_000];
        new Random(7).NextBytes(data);
        var file = await EncodedFile.CreateAsync(data, new EncodingParameters(3, 10, 131_072));

        // The tail's padding is not covered by the crypttext hash, only by the block hashes.
        var failure = Assert.Throws<CorruptFileException>(() => Rebuild(file.Shares, file.Cap.VerifyCap, [0, 1, 2], tamper: (segment, blocks) =>
        {
            if (segment == 2)
            {
                blocks[(file.Encoding.Parameters.TailBlockSize * 3) - 1] ^= 1;
            }
        }));
        Assert.Contains("share root hash", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_URI_extension_block_is_kept_as_the_shares_carry_it_even_with_keys_Granary_does_not_write()
    {
        var data = new byte[200_000];
        new Random(9).NextBytes(data);
        var file = await EncodedFile.CreateAsync(data, new EncodingParameters(3, 10, 131_072));

        // An old Tahoe-LAFS UEB also carries plaintext hashes: the same file, a longer UEB, another cap.
        var encoding = file.Encoding;
        var longer = encoding.UriExtensionBytes.Concat("plaintext_hash:32:"u8.ToArray()).Concat(new byte[32]).Concat(","u8.ToArray()).ToArray();
        var cap = new Core.Caps.ChkReadCap(file.Cap.Key, UriExtension.HashOf(longer), 3, 10, data.Length).VerifyCap;
        var old = new ChkShares(cap, encoding.UriExtension, longer, encoding.CrypttextHashTree, [.. encoding.BlockHashTrees], encoding.ShareHashTree);
        var shares = Enumerable.Range(0, 10)
            .Select(share => file.Shares[share].AsSpan(0, (int)encoding.Header.PlaintextHashTreeOffset).ToArray().Concat(old.Trailer(share)).ToArray())
            .ToArray();

        var rebuilt = Rebuild(shares, cap, [7, 8, 9], tamper: null);

        Assert.All(Enumerable.Range(0, 10), share => Assert.True(shares[share].AsSpan().SequenceEqual(rebuilt[share]), $"share {share} differs"));
        Assert.Equal(longer.Length - encoding.UriExtensionBytes.Length, rebuilt[0].Length - file.Shares[0].Length);
    }

    [Fact]
    public void A_rebuilder_needs_the_hashes_accepted_first()
    {
        using var decoder = new ChkDecoder(new Core.Caps.ChkReadCap(new byte[16], new byte[32], 3, 10, 1000).VerifyCap);
        Assert.Throws<InvalidOperationException>(() => new ChkShareRebuilder(new Core.Caps.ChkReadCap(new byte[16], new byte[32], 3, 10, 1000).VerifyCap, decoder));
    }

    // Re-makes every share of the file from the shares named, with its verify cap only.
    private static byte[][] Rebuild(byte[][] fileShares, Core.Caps.ChkVerifyCap cap, int[] from, Action<int, byte[]>? tamper)
    {
        using var decoder = new ChkDecoder(cap);
        foreach (var share in from)
        {
            decoder.AcceptShare(share, fileShares[share]);
        }

        var rebuilder = new ChkShareRebuilder(cap, decoder);
        var p = rebuilder.Parameters;
        var header = ShareHeader.For(p);
        var blocksOf = Enumerable.Range(0, p.N).Select(_ => new MemoryStream()).ToArray();
        var scratch = new byte[p.BlockSize * p.K];
        for (var segment = 0; segment < p.SegmentCount; segment++)
        {
            var blockSize = p.BlockSizeOf(segment);
            for (var i = 0; i < from.Length; i++)
            {
                fileShares[from[i]].AsSpan((int)header.BlockOffset(segment), blockSize).CopyTo(scratch.AsSpan(i * blockSize));
            }

            decoder.DecodeCiphertext(segment, from, scratch.AsSpan(0, blockSize * p.K), rebuilder.Blocks.Span);
            if (tamper is not null)
            {
                var copy = rebuilder.Blocks.ToArray();
                tamper(segment, copy);
                copy.CopyTo(rebuilder.Blocks);
            }

            Assert.Equal(blockSize, rebuilder.EncodeSegment());
            for (var share = 0; share < p.N; share++)
            {
                blocksOf[share].Write(rebuilder.Blocks.Span.Slice(share * blockSize, blockSize));
            }
        }

        var shares = rebuilder.Finish();
        return [.. Enumerable.Range(0, p.N).Select(share => shares.Header.Serialize().Concat(blocksOf[share].ToArray()).Concat(shares.Trailer(share)).ToArray())];
    }
}
