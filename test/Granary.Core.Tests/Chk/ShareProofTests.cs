using Granary.Core.Chk;
using Granary.Testing;

namespace Granary.Core.Tests.Chk;

public class ShareProofTests
{
    // Under one segment, exactly one, several with a short tail, k=1, k=n, n=256, a deep tree.
    public static TheoryData<int, int, int, int> Shapes => new()
    {
        { 700, 3, 10, 1024 },
        { 999, 3, 10, 999 },
        { 2000, 3, 10, 300 },
        { 1000, 1, 4, 128 },
        { 1234, 5, 5, 200 },
        { 3000, 2, 256, 64 },
        { 5000, 3, 10, 60 },
    };

    private static ShareRangeReader Reader(byte[] share) => (offset, destination, _) =>
    {
        var count = (int)Math.Clamp(share.Length - offset, 0, destination.Length);
        if (count > 0)
        {
            share.AsSpan((int)offset, count).CopyTo(destination.Span);
        }

        return ValueTask.FromResult(count);
    };

    private static async Task<EncodedFile> FileAsync(Random random, int size, int k, int n, int segment)
    {
        var plaintext = new byte[size];
        random.NextBytes(plaintext);
        return await EncodedFile.CreateAsync(plaintext, new EncodingParameters(k, n, segment));
    }

    private static UriExtension Extension(EncodedFile file) => file.Encoding.UriExtension;

    private static int[] Choose(Random random, int segments, int count) =>
        Enumerable.Range(0, segments).OrderBy(_ => random.Next()).Take(Math.Min(count, segments)).ToArray();

    // What the auditor gets: the prover's answer, through its wire form.
    private static async Task<ShareProof> ProveAsync(byte[] share, int number, int[] blocks)
    {
        var proof = await ShareProver.ProveAsync(number, Reader(share), blocks, CancellationToken.None);
        Assert.NotNull(proof);
        Assert.True(ShareProof.TryParse(proof.Serialize(), out var parsed, out var error), error);
        return parsed!;
    }

    [Fact]
    public async Task Ten_thousand_honest_proofs_of_random_files_and_blocks_all_pass()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var audits = 0;
        foreach (var (size, k, n, segment) in Shapes.Select(row => ((int)row[0], (int)row[1], (int)row[2], (int)row[3])))
        {
            var file = await FileAsync(random, size + random.Next(0, 50), k, n, segment);
            var segments = Extension(file).Parameters.SegmentCount;
            for (var i = 0; i < 1500; i++)
            {
                var share = random.Next(n);
                var blocks = Choose(random, segments, random.Next(1, ShareProof.MaxBlocks + 1));
                var proof = await ProveAsync(file.Shares[share], share, blocks);
                Assert.True(ShareProofVerifier.Problem(Extension(file), share, blocks, proof) is null, $"seed {seed}: {size}-byte {k}-of-{n} share {share} blocks [{string.Join(",", blocks)}]: {ShareProofVerifier.Problem(Extension(file), share, blocks, proof)}");
                audits++;
            }
        }

        Assert.True(audits >= 10_000);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Any_byte_flipped_in_an_honest_answer_fails_and_never_throws(int size, int k, int n, int segment)
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var file = await FileAsync(random, size, k, n, segment);
        var share = random.Next(n);
        var blocks = Choose(random, Extension(file).Parameters.SegmentCount, 3);
        var honest = (await ProveAsync(file.Shares[share], share, blocks)).Serialize();
        for (var offset = 0; offset < honest.Length; offset++)
        {
            var bytes = (byte[])honest.Clone();
            bytes[offset] ^= (byte)random.Next(1, 256);
            if (ShareProof.TryParse(bytes, out var proof, out _))
            {
                Assert.False(ShareProofVerifier.Problem(Extension(file), share, blocks, proof!) is null, $"seed {seed}: a flip at byte {offset} of the answer passed");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task A_flipped_byte_in_a_stored_block_tree_node_or_share_hash_fails_an_audit_that_needs_it(int size, int k, int n, int segment)
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var file = await FileAsync(random, size, k, n, segment);
        var p = Extension(file).Parameters;
        var header = file.Encoding.Header;
        var share = random.Next(n);
        var block = random.Next(p.SegmentCount);
        // A node the audit of `block` carries: its own leaf or a sibling on its path (the root is never sent).
        var pathNodes = Granary.Core.Hashing.MerkleTree.NeededHashes(block, p.SegmentCount, includeLeaf: true);
        var node = pathNodes[random.Next(pathNodes.Length)];
        var regions = new (string What, long From, long To)[]
        {
            ("block", header.BlockOffset(block), header.BlockOffset(block) + p.BlockSizeOf(block)),
            ($"block hash tree node {node}", header.BlockHashesOffset + (32L * node), header.BlockHashesOffset + (32L * (node + 1))),
            ("share hashes", header.ShareHashesOffset, header.UriExtensionOffset),
        };
        foreach (var (what, from, to) in regions)
        {
            var bytes = (byte[])file.Shares[share].Clone();
            var at = from + random.NextInt64(to - from);
            bytes[at] ^= (byte)random.Next(1, 256);
            var proof = await ProveAsync(bytes, share, [block]);
            var problem = ShareProofVerifier.Problem(Extension(file), share, [block], proof);
            Assert.False(problem is null, $"seed {seed}: a flip at byte {at} ({what}) of share {share} passed an audit of block {block}");
        }
    }

    [Fact]
    public async Task A_block_flip_fails_as_a_block_that_does_not_hash_to_its_leaf()
    {
        var file = await FileAsync(new Random(1), 2000, 3, 10, 300);
        var bytes = (byte[])file.Shares[4].Clone();
        bytes[file.Encoding.Header.BlockOffset(3) + 7] ^= 1;
        var proof = await ProveAsync(bytes, 4, [3, 5]);
        Assert.Equal("block 3 does not hash to its leaf", ShareProofVerifier.Problem(Extension(file), 4, [3, 5], proof));
        Assert.Null(ShareProofVerifier.Problem(Extension(file), 4, [5], await ProveAsync(bytes, 4, [5])));
    }

    [Fact]
    public async Task A_proof_recorded_for_some_blocks_and_replayed_for_others_fails()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var file = await FileAsync(random, 5000, 3, 10, 60);
        var segments = Extension(file).Parameters.SegmentCount;
        for (var i = 0; i < 200; i++)
        {
            var share = random.Next(10);
            var recorded = Choose(random, segments, random.Next(1, 17));
            var asked = Choose(random, segments, recorded.Length);
            if (asked.Order().SequenceEqual(recorded.Order()))
            {
                continue;
            }

            var replay = await ProveAsync(file.Shares[share], share, recorded);
            Assert.False(ShareProofVerifier.Problem(Extension(file), share, asked, replay) is null, $"seed {seed}: a replay of [{string.Join(",", recorded)}] passed for [{string.Join(",", asked)}]");
        }
    }

    [Fact]
    public async Task A_proof_of_another_share_fails()
    {
        var file = await FileAsync(new Random(2), 2000, 3, 10, 300);
        var proof = await ProveAsync(file.Shares[2], 2, [1]);
        Assert.NotNull(ShareProofVerifier.Problem(Extension(file), 3, [1], proof));
    }

    [Fact]
    public async Task Random_garbage_is_refused_without_throwing()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var file = await FileAsync(random, 2000, 3, 10, 300);
        var honest = (await ProveAsync(file.Shares[0], 0, [0, 6])).Serialize();
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 600)];
            random.NextBytes(bytes);
            if (i % 2 == 0)
            {
                // Plausible framing, so the parse gets past its header into the entries.
                honest.AsSpan(0, Math.Min(honest.Length, Math.Min(bytes.Length, random.Next(1, 20)))).CopyTo(bytes);
            }

            if (ShareProof.TryParse(bytes, out var proof, out var error))
            {
                Assert.NotNull(ShareProofVerifier.Problem(Extension(file), 0, [0, 6], proof!));
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(error), $"seed {seed}");
            }
        }
    }

    [Fact]
    public async Task The_prover_refuses_a_block_past_the_end_and_a_damaged_header()
    {
        var file = await FileAsync(new Random(3), 2000, 3, 10, 300);
        Assert.Null(await ShareProver.ProveAsync(0, Reader(file.Shares[0]), [7], CancellationToken.None));
        var damaged = (byte[])file.Shares[0].Clone();
        damaged[3] = 9;
        await Assert.ThrowsAsync<CorruptShareException>(() => ShareProver.ProveAsync(0, Reader(damaged), [1], CancellationToken.None));
        await Assert.ThrowsAsync<CorruptShareException>(() => ShareProver.ProveAsync(0, Reader(file.Shares[0][..200]), [6], CancellationToken.None));
    }

    [Fact]
    public void The_wire_form_is_pinned()
    {
        var proof = new ShareProof(
            [new ProvenBlock(2, new byte[] { 0xAA, 0xBB })],
            [new BlockTreeNode(5, Enumerable.Repeat((byte)0x11, 32).ToArray())],
            new byte[] { 0, 7 }.Concat(Enumerable.Repeat((byte)0x22, 32)).ToArray());
        Assert.Equal(
            "0101010001" + "00000002" + "00000002" + "aabb" + "00000005" + string.Concat(Enumerable.Repeat("11", 32)) + "0007" + string.Concat(Enumerable.Repeat("22", 32)),
            Convert.ToHexStringLower(proof.Serialize()));
    }
}
