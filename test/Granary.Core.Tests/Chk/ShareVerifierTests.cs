using Granary.Core.Chk;
using Granary.Testing;

namespace Granary.Core.Tests.Chk;

public class ShareVerifierTests
{
    private static ShareRangeReader Reader(byte[] share) => (offset, destination, _) =>
    {
        if (offset >= share.Length)
        {
            return ValueTask.FromResult(0);
        }

        var count = (int)Math.Min(destination.Length, share.Length - offset);
        share.AsSpan((int)offset, count).CopyTo(destination.Span);
        return ValueTask.FromResult(count);
    };

    private static async Task<ShareVerdict> VerifyAsync(EncodedFile file, int share, byte[] bytes)
    {
        using var decoder = new ChkDecoder(file.Cap.VerifyCap);
        return await ShareVerifier.VerifyAsync(decoder, share, Reader(bytes), null, CancellationToken.None);
    }

    [Fact]
    public async Task Every_single_byte_flip_in_any_share_is_found_and_only_a_block_flip_spares_the_rest_of_the_share()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var plaintext = new byte[700];
        random.NextBytes(plaintext);
        var file = await EncodedFile.CreateAsync(plaintext, new EncodingParameters(3, 10, 300));
        var header = file.Encoding.Header;
        for (var share = 0; share < file.Shares.Length; share++)
        {
            Assert.True((await VerifyAsync(file, share, file.Shares[share])).Intact);
            for (var offset = 0; offset < file.Shares[share].Length; offset++)
            {
                var bytes = (byte[])file.Shares[share].Clone();
                bytes[offset] ^= (byte)random.Next(1, 256);
                var verdict = await VerifyAsync(file, share, bytes);
                Assert.False(verdict.Intact, $"seed {seed}: a flip at byte {offset} of share {share} went unnoticed");
                var inBlocks = offset >= header.DataOffset && offset < header.PlaintextHashTreeOffset;
                if (inBlocks)
                {
                    var segment = (int)((offset - header.DataOffset) / header.BlockSize);
                    Assert.True(verdict.Usable, $"seed {seed}: share {share} byte {offset}: {verdict.Summary}");
                    Assert.Equal(new[] { segment }, verdict.BadSegments);
                }
                else
                {
                    Assert.False(verdict.Usable, $"seed {seed}: share {share} byte {offset} is outside the blocks but only blocks were blamed");
                }
            }
        }
    }

    [Fact]
    public async Task Bytes_past_the_end_and_a_short_share_are_corrupt()
    {
        var file = await EncodedFile.CreateAsync(new byte[500], new EncodingParameters(3, 10, 300));
        var longer = await VerifyAsync(file, 4, [.. file.Shares[4], 0]);
        Assert.Contains("longer than", longer.Problem, StringComparison.Ordinal);
        var shorter = await VerifyAsync(file, 4, file.Shares[4][..^1]);
        Assert.Contains("truncated", shorter.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cap_with_the_wrong_size_is_a_file_level_failure_not_a_corrupt_share()
    {
        var file = await EncodedFile.CreateAsync(new byte[500], new EncodingParameters(3, 10, 300));
        var wrong = new Core.Caps.ChkVerifyCap(file.Cap.StorageIndex, file.Cap.UriExtensionHash, 3, 10, 501);
        using var decoder = new ChkDecoder(wrong);
        await Assert.ThrowsAsync<CorruptFileException>(() => ShareVerifier.CheckExtensionAsync(decoder, 0, Reader(file.Shares[0]), CancellationToken.None));
    }

    [Fact]
    public async Task The_self_check_without_the_cap_confirms_a_bad_block_and_passes_a_sound_share()
    {
        var file = await EncodedFile.CreateAsync(new byte[2000], new EncodingParameters(3, 10, 300));
        var sound = await ShareVerifier.SelfCheckAsync(file.Cap.StorageIndex, 5, Reader(file.Shares[5]), [1, 2], CancellationToken.None);
        Assert.True(sound.Intact);

        var bytes = (byte[])file.Shares[5].Clone();
        bytes[file.Encoding.Header.BlockOffset(2)] ^= 1;
        var named = await ShareVerifier.SelfCheckAsync(file.Cap.StorageIndex, 5, Reader(bytes), [2], CancellationToken.None);
        Assert.Equal(new[] { 2 }, named.BadSegments);
        var other = await ShareVerifier.SelfCheckAsync(file.Cap.StorageIndex, 5, Reader(bytes), [1], CancellationToken.None);
        Assert.True(other.Intact, "only the named blocks are read");
    }
}
