using Granary.Client;
using Granary.Client.Maintenance;
using Granary.Core.Caps;
using Granary.Core.Mutable;

namespace Granary.Storage.Tests;

/// <summary>
/// Audits of mutable shares by a verify-cap holder, against a real node over Kestrel: honest shares
/// pass for every segment, lost, flipped and forged ones fail, a newer signed version is followed and
/// an older one is stale.
/// </summary>
public sealed class MutableAuditTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly CancellationToken None = CancellationToken.None;
    private TestNode _node = null!;
    private GranaryClient _client = null!;

    public async Task InitializeAsync()
    {
        _node = await TestNode.StartAsync();
        _client = await new GranaryClientBuilder()
            .WithServers([_node.Url])
            .WithSettings(new ClientSettings(3, 1, 10))
            .WithSecrets(new ClientSecrets(Secrets.New(), Secrets.New()))
            .BuildAsync(None);
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private async Task<(MutableWriteCap Cap, MutableVerifyCap Verify, byte[] Content)> CreateAsync(MutableFormat format, int size, int seed)
    {
        var content = new byte[size];
        new Random(seed).NextBytes(content);
        using var stream = new MemoryStream(content);
        var file = await _client.Nodes.CreateMutableFileAsync(format, stream, size, null, null, None);
        return (file.WriteCap!, file.WriteCap!.VerifyCap, content);
    }

    private string ShareFile(MutableVerifyCap cap, int share)
    {
        var index = cap.StorageIndex.ToString();
        return Path.Combine(_node.Path, "mutable", index[..2], index, share.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(MutableFormat.Sdmf, 5_000)]
    [InlineData(MutableFormat.Mdmf, 700_000)] // six segments: the paths go through a real tree
    [InlineData(MutableFormat.Mdmf, 0)]
    public async Task An_honest_node_passes_every_audit_of_every_share(MutableFormat format, int size)
    {
        var (_, verify, _) = await CreateAsync(format, size, size);
        var known = await MutableShareAudit.ReadVersionAsync(_node.Client, verify, 0, None);
        for (var share = 0; share < 10; share++)
        {
            for (var segments = 1; segments <= 3; segments++)
            {
                var result = await MutableShareAudit.AuditAsync(_node.Client, verify, known, share, segments, Timeout, None);
                Assert.True(result.Verdict.Passed, $"share {share}: {result.Verdict.Failure}");
                Assert.Null(result.Newer);
                Assert.False(result.Stale);
            }
        }
    }

    [Fact]
    public async Task A_lost_share_a_flipped_block_and_a_forged_version_fail()
    {
        var (_, verify, _) = await CreateAsync(MutableFormat.Mdmf, 300_000, 1);
        var known = await MutableShareAudit.ReadVersionAsync(_node.Client, verify, 0, None);

        File.Delete(ShareFile(verify, 1));
        var lost = await MutableShareAudit.AuditAsync(_node.Client, verify, known, 1, 3, Timeout, None);
        Assert.Equal("share not held", lost.Verdict.Failure);

        // Flip a byte in every segment's data: an audit of any segment sees it.
        var path = ShareFile(verify, 2);
        var bytes = await File.ReadAllBytesAsync(path);
        var p = known.Parameters;
        for (var segment = 0; segment < p.SegmentCount; segment++)
        {
            bytes[known.Offsets.ShareData + p.SegmentDataOffset(segment) + MutableParameters.SaltSize + 7] ^= 0x40;
        }

        await File.WriteAllBytesAsync(path, bytes);
        var flipped = await MutableShareAudit.AuditAsync(_node.Client, verify, known, 2, 1, Timeout, None);
        Assert.False(flipped.Verdict.Passed);
        Assert.Contains("block", flipped.Verdict.Failure, StringComparison.Ordinal);

        // A header claiming a later seqnum that the key never signed.
        path = ShareFile(verify, 3);
        bytes = await File.ReadAllBytesAsync(path);
        bytes[8] ^= 0x01; // the low byte of the seqnum
        await File.WriteAllBytesAsync(path, bytes);
        var forged = await MutableShareAudit.AuditAsync(_node.Client, verify, known, 3, 1, Timeout, None);
        Assert.False(forged.Verdict.Passed);
        Assert.Null(forged.Newer);
        Assert.Contains("signature", forged.Verdict.Failure, StringComparison.Ordinal);

        // The untouched shares still pass.
        Assert.True((await MutableShareAudit.AuditAsync(_node.Client, verify, known, 4, 3, Timeout, None)).Verdict.Passed);
    }

    [Fact]
    public async Task A_share_read_in_the_middle_of_a_publish_is_read_again_before_it_counts_as_failed()
    {
        var (_, verify, _) = await CreateAsync(MutableFormat.Mdmf, 300_000, 4);
        var known = await MutableShareAudit.ReadVersionAsync(_node.Client, verify, 0, None);
        var path = ShareFile(verify, 6);
        var whole = await File.ReadAllBytesAsync(path);

        // The share's blocks are half rewritten (as in a publish under way, header last) when the audit first reads it,
        // and whole again before the pause is over.
        var torn = (byte[])whole.Clone();
        var p = known.Parameters;
        for (var segment = 0; segment < p.SegmentCount; segment++)
        {
            torn[known.Offsets.ShareData + p.SegmentDataOffset(segment) + MutableParameters.SaltSize + 3] ^= 0x08;
        }

        await File.WriteAllBytesAsync(path, torn);
        var audit = MutableShareAudit.AuditAsync(_node.Client, verify, known, 6, 2, Timeout, None);
        await Task.Delay(MutableShareAudit.TornReadPause / 4);
        await File.WriteAllBytesAsync(path, whole);
        var result = await audit;
        Assert.True(result.Verdict.Passed, result.Verdict.Failure);
    }

    [Fact]
    public async Task A_newer_signed_version_is_followed_and_an_older_one_is_stale()
    {
        var (cap, verify, _) = await CreateAsync(MutableFormat.Sdmf, 20_000, 2);
        var first = await MutableShareAudit.ReadVersionAsync(_node.Client, verify, 0, None);
        var oldShare = await File.ReadAllBytesAsync(ShareFile(verify, 5));

        var replacement = new byte[30_000];
        new Random(3).NextBytes(replacement);
        using (var stream = new MemoryStream(replacement))
        {
            await ((Client.Nodes.MutableFileNode)_client.Nodes.Create(cap)).OverwriteAsync(stream, replacement.Length, null, None);
        }

        var written = await MutableShareAudit.AuditAsync(_node.Client, verify, first, 0, 1, Timeout, None);
        Assert.True(written.Verdict.Passed, written.Verdict.Failure);
        Assert.NotNull(written.Newer);
        Assert.Equal(first.Seqnum + 1, written.Newer!.Seqnum);

        // A node that kept the old version of share 5 holds nothing of the file as it is now, but has not cheated either.
        await File.WriteAllBytesAsync(ShareFile(verify, 5), oldShare);
        var stale = await MutableShareAudit.AuditAsync(_node.Client, verify, written.Newer, 5, 1, Timeout, None);
        Assert.True(stale.Stale);
        Assert.False(stale.Verdict.Passed);
        Assert.Contains("older version", stale.Verdict.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_share_of_another_file_is_not_accepted_under_this_cap()
    {
        var (_, verify, _) = await CreateAsync(MutableFormat.Sdmf, 1_000, 4);
        var (_, other, _) = await CreateAsync(MutableFormat.Sdmf, 1_000, 5);
        var known = await MutableShareAudit.ReadVersionAsync(_node.Client, verify, 0, None);
        File.Copy(ShareFile(other, 6), ShareFile(verify, 6), overwrite: true);
        var result = await MutableShareAudit.AuditAsync(_node.Client, verify, known, 6, 1, Timeout, None);
        Assert.False(result.Verdict.Passed);
        Assert.Contains("fingerprint", result.Verdict.Failure, StringComparison.Ordinal);
    }
}
