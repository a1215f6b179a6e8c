using System.Reflection;
using Granary.Client;
using Granary.Client.Download;
using Granary.Client.Maintenance;
using Granary.Client.Nodes;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Protocol;

namespace Granary.IntegrationTests;

/// <summary>One grid for the repair tests: each test stores its own file, so they do not disturb each other.</summary>
public sealed class RepairGrid : IAsyncLifetime
{
    internal TestGrid Grid { get; private set; } = null!;

    internal GranaryClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Grid = await TestGrid.StartAsync();
        Client = await ClientAsync(null);
    }

    /// <summary>A client of the grid; with <paramref name="encoding"/>, one that encodes k-of-n with that happiness instead of the grid's advice.</summary>
    internal async Task<GranaryClient> ClientAsync((int K, int Happy, int N)? encoding)
    {
        var directory = ClientDirectory.Open(Grid.ClientDir);
        if (encoding is var (k, happy, n))
        {
            directory.Config.UseHubEncoding = false;
            (directory.Config.Needed, directory.Config.Happy, directory.Config.Total) = (k, happy, n);
        }

        return await GranaryClientBuilder.FromDirectory(directory).BuildAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await Grid.DisposeAsync();
}

/// <summary>
/// Repair of immutable files from the verify cap alone, as a hub's repairer does it, against real
/// node processes: the shares it makes are byte for byte the ones lost, and the read key is never in reach.
/// </summary>
public sealed class VerifyCapRepairTests(RepairGrid shared) : IClassFixture<RepairGrid>
{
    private TestGrid Grid => shared.Grid;

    [Theory]
    [InlineData(300_000, 3, 7, 10)] // one segment
    [InlineData((5 << 20) + 777, 3, 7, 10)] // six segments, the last of 777 bytes
    [InlineData((2 << 20) + 5, 1, 3, 4)] // k = 1: every share is the ciphertext itself
    public async Task The_verify_cap_alone_remakes_lost_shares_byte_for_byte(int size, int k, int happy, int n)
    {
        var client = k == 3 ? shared.Client : await shared.ClientAsync((k, happy, n));
        var (cap, data) = await UploadAsync(client, size, seed: size + k);
        var originals = ShareBytes(cap, n);
        var lost = Enumerable.Range(0, n - k).ToList();
        DeleteShares(cap, lost);

        var node = Assert.IsType<VerifierNode>(client.Nodes.Create(cap.VerifyCap));
        var report = await node.CheckAsync(verify: false, null, CancellationToken.None);
        Assert.Equal<int>(lost, report.Missing);
        var repair = await node.RepairAsync(report, null, CancellationToken.None);

        Assert.Equal<int>(lost, repair.SharesMade);
        Assert.True(repair.After.Healthy, repair.After.Summary);
        Assert.Equal(cap.VerifyCap.ToString(), repair.After.Cap);
        AssertSharesAre(cap, originals);
        Assert.Equal(data, await DownloadAsync(client, cap));
    }

    [Fact]
    public async Task The_read_cap_repairs_the_same_way_to_the_same_shares()
    {
        var client = shared.Client;
        var (cap, data) = await UploadAsync(client, (3 << 20) + 12_345, seed: 21);
        var originals = ShareBytes(cap, 10);
        DeleteShares(cap, [1, 4, 5, 8, 9]);

        var node = Assert.IsType<ImmutableFileNode>(client.Nodes.Create(cap));
        var repair = await node.RepairAsync(await node.CheckAsync(verify: false, null, CancellationToken.None), null, CancellationToken.None);

        Assert.Equal([1, 4, 5, 8, 9], repair.SharesMade);
        Assert.True(repair.After.Healthy, repair.After.Summary);
        Assert.Equal(cap.ToString(), repair.After.Cap);
        AssertSharesAre(cap, originals);
        Assert.Equal(data, await DownloadAsync(client, cap));
    }

    [Fact]
    public async Task A_repair_with_too_few_shares_left_fails_clearly_and_places_nothing()
    {
        var client = shared.Client;
        var (cap, _) = await UploadAsync(client, 1_500_000, seed: 31);
        DeleteShares(cap, [.. Enumerable.Range(0, 7)]);
        var node = client.Nodes.Create(cap.VerifyCap);
        var stale = await node.CheckAsync(verify: false, null, CancellationToken.None);
        Assert.True(stale.Recoverable, stale.Summary);

        // Another share goes after the check: the repair finds only two of the three it needs.
        DeleteShares(cap, [7]);
        var failure = await Assert.ThrowsAsync<DownloadException>(() => node.RepairAsync(stale, null, CancellationToken.None));
        Assert.Contains("2 usable share(s) found but 3 are needed", failure.Message, StringComparison.Ordinal);

        var unrecoverable = await node.CheckAsync(verify: false, null, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<DownloadException>(() => node.RepairAsync(unrecoverable, null, CancellationToken.None));
        Assert.StartsWith("Cannot repair: unrecoverable: 2 good shares, 3 needed", refused.Message, StringComparison.Ordinal);

        Assert.All(Enumerable.Range(0, 8), share => Assert.Empty(CopiesOf(cap, share)));
        Assert.All(Grid.Nodes, n => Assert.Empty(TestGrid.Incoming(n)));
    }

    [Fact]
    public async Task A_corrupt_block_in_a_remaining_share_is_routed_around()
    {
        var client = shared.Client;
        var (cap, data) = await UploadAsync(client, (4 << 20) + 99, seed: 41);
        var originals = ShareBytes(cap, 10);
        DeleteShares(cap, [.. Enumerable.Range(0, 6)]);

        // Shares 6..9 remain and the repair reads three of them: whichever it picks, it meets share 6's
        // bad block of segment 0 or share 7's of segment 1, and each segment still has three good blocks.
        foreach (var (share, segment) in new[] { (6, 0), (7, 1) })
        {
            var (path, _) = Assert.Single(CopiesOf(cap, share));
            FlipByte(path, ShareHeaderOf(path).BlockOffset(segment) + 100);
        }

        var node = client.Nodes.Create(cap.VerifyCap);
        var report = await node.CheckAsync(verify: false, null, CancellationToken.None);
        var repair = await node.RepairAsync(report, null, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 6), repair.SharesMade);
        Assert.True(repair.After.Healthy, repair.After.Summary);
        AssertSharesAre(cap, originals.Where(o => o.Key < 6).ToDictionary());
        Assert.Equal(data, await DownloadAsync(client, cap));
    }

    [Fact]
    public async Task Excluded_servers_count_for_nothing_and_receive_nothing()
    {
        var client = shared.Client;
        var (cap, data) = await UploadAsync(client, 2_000_000, seed: 51);
        var originals = ShareBytes(cap, 10);
        DeleteShares(cap, [0, 1, 2, 3, 4, 5]);

        // Excluded: the holder of share 9 (so share 9 counts as lost) and the old holders of shares 0 and 1.
        var excludedNodes = new[] { 9, 0, 1 }.Select(share => Grid.Nodes.Single(n => originals[share].Holder == n)).ToList();
        var excluded = excludedNodes.Select(n => StorageUrl.Parse(n.Url).NodeId).ToHashSet();
        var before = excludedNodes.ToDictionary(n => n, SharesOn);

        var node = client.Nodes.Create(cap.VerifyCap);
        var report = await node.CheckAsync(verify: false, null, CancellationToken.None);
        var repair = await node.RepairAsync(report, new RepairOptions(Excluded: excluded), null, CancellationToken.None);

        Assert.Equal([0, 1, 2, 3, 4, 5, 9], repair.SharesMade);
        Assert.True(repair.After.Healthy, repair.After.Summary);
        Assert.DoesNotContain(repair.After.Holdings, h => excluded.Contains(h.Server));
        Assert.All(excludedNodes, n => Assert.Equal(before[n], SharesOn(n)));
        Assert.All(CopiesOf(cap, 9).Where(c => !excludedNodes.Contains(c.Holder)), c => Assert.Equal(originals[9].Bytes, File.ReadAllBytes(c.Path)));
        AssertSharesAre(cap, originals.Where(o => o.Key < 6).ToDictionary());
        Assert.Equal(data, await DownloadAsync(client, cap));
    }

    [Fact]
    public async Task A_bandwidth_cap_slows_the_repair_to_it()
    {
        var client = shared.Client;
        var (cap, _) = await UploadAsync(client, 2_000_000, seed: 61);
        DeleteShares(cap, [0, 1, 2, 3, 4, 5, 6]);
        var node = client.Nodes.Create(cap.VerifyCap);
        var report = await node.CheckAsync(verify: false, null, CancellationToken.None);

        // Three blocks read and seven written per segment of two: about 6.7 MB, so at 2 MB/s at least 3 s.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var repair = await node.RepairAsync(report, new RepairOptions(MaxBytesPerSecond: 2_000_000), null, CancellationToken.None);
        Assert.True(repair.After.Healthy, repair.After.Summary);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(3), $"took only {clock.Elapsed}");
        Assert.Throws<ArgumentOutOfRangeException>(() => new RepairOptions(MaxBytesPerSecond: 0));
    }

    [Fact]
    public void The_verify_cap_repair_path_can_never_reach_a_read_key()
    {
        // The verifier holds a verify cap and nothing else; the one repair entry point takes a verify cap;
        // the share rebuilder is made from a verify cap and a decoder, neither of which has a key.
        var verifierState = typeof(VerifierNode).GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public).Select(f => f.FieldType).ToList();
        Assert.Contains(typeof(ChkVerifyCap), verifierState);
        Assert.DoesNotContain(verifierState, t => t == typeof(ChkReadCap) || t == typeof(byte[]));

        var checker = typeof(GranaryClient).Assembly.GetType("Granary.Client.Maintenance.FileChecker")!;
        var repair = Assert.Single(checker.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly), m => m.Name == "RepairAsync");
        Assert.Equal(typeof(ChkVerifyCap), repair.GetParameters()[0].ParameterType);
        Assert.DoesNotContain(repair.GetParameters(), p => p.ParameterType == typeof(ChkReadCap) || p.ParameterType == typeof(Cap));

        var rebuilder = Assert.Single(typeof(ChkShareRebuilder).GetConstructors());
        Assert.Equal([typeof(ChkVerifyCap), typeof(ChkDecoder)], rebuilder.GetParameters().Select(p => p.ParameterType));
        Assert.DoesNotContain(typeof(ChkShareRebuilder).GetFields(BindingFlags.Instance | BindingFlags.NonPublic), f => f.FieldType == typeof(ChkReadCap));

        // A decoder made from a verify cap cannot decrypt, so the repair could not use plaintext if it tried.
        using var decoder = new ChkDecoder(new ChkReadCap(new byte[16], new byte[32], 3, 10, 1_000_000).VerifyCap);
        Assert.Throws<InvalidOperationException>(() => decoder.DecodeSegment(0, [0], [], new byte[1]));
    }

    private async Task<(ChkReadCap Cap, byte[] Data)> UploadAsync(GranaryClient client, int size, int seed)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        using var input = new MemoryStream(data);
        var upload = await client.UploadAsync(input, null, CancellationToken.None);
        Assert.Empty(upload.Warnings);
        return ((ChkReadCap)upload.ReadCap, data);
    }

    private static async Task<byte[]> DownloadAsync(GranaryClient client, ChkReadCap cap)
    {
        using var output = new MemoryStream();
        await ((IFileNode)client.Nodes.Create(cap)).ReadAsync(output, null, null, null, CancellationToken.None);
        return output.ToArray();
    }

    private List<(string Path, TestGrid.Node Holder)> CopiesOf(ChkReadCap cap, int share) =>
        [.. Grid.Nodes.Select(n => (Path: TestGrid.SharePath(n, cap.ToString(), share), Holder: n)).Where(c => c.Path is not null).Select(c => (c.Path!, c.Holder))];

    // Each share's bytes and its one holder, as the upload left them.
    private Dictionary<int, (byte[] Bytes, TestGrid.Node Holder)> ShareBytes(ChkReadCap cap, int n) =>
        Enumerable.Range(0, n).ToDictionary(share => share, share =>
        {
            var (path, holder) = Assert.Single(CopiesOf(cap, share));
            return (File.ReadAllBytes(path), holder);
        });

    private void DeleteShares(ChkReadCap cap, IReadOnlyList<int> shares)
    {
        foreach (var share in shares)
        {
            foreach (var (path, _) in CopiesOf(cap, share))
            {
                File.Delete(path);
            }
        }
    }

    // Every copy of each share named is the share as the upload made it.
    private void AssertSharesAre(ChkReadCap cap, Dictionary<int, (byte[] Bytes, TestGrid.Node Holder)> originals)
    {
        foreach (var (share, (bytes, _)) in originals)
        {
            var copies = CopiesOf(cap, share);
            Assert.NotEmpty(copies);
            Assert.All(copies, c => Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(c.Path)), $"share {share} on {c.Holder.Name} differs from the original"));
        }
    }

    private static HashSet<string> SharesOn(TestGrid.Node node)
    {
        var shares = Path.Combine(node.Dir, "shares");
        return Directory.Exists(shares) ? [.. Directory.GetFiles(shares, "*", SearchOption.AllDirectories)] : [];
    }

    private static ShareHeader ShareHeaderOf(string path)
    {
        var bytes = new byte[ShareHeader.MaxSize];
        using (var file = File.OpenRead(path))
        {
            file.ReadExactly(bytes);
        }

        Assert.True(ShareHeader.TryParse(bytes, out var header));
        return header!;
    }

    private static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x5a));
    }
}
