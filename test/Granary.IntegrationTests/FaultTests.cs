using System.Text.Json;
using Granary.Client;
using Granary.Client.Maintenance;
using Granary.Client.Nodes;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Protocol;
using Granary.Testing;

namespace Granary.IntegrationTests;

/// <summary>
/// The grid under faults, over real processes: byte flips in stored shares, clients and nodes
/// killed mid-upload. Whatever happens, check, verify, repair and get agree, and a killed put can
/// be repeated at once.
/// </summary>
public sealed class FaultTests
{
    [Fact]
    public async Task A_put_ended_by_SIGTERM_gives_its_space_back_and_the_same_file_goes_up_again_at_once()
    {
        await using var grid = await TestGrid.StartAsync();
        var path = await grid.WriteRandomFileAsync("big", 300 << 20, 21);
        var put = RunningProcess.Start(["put", path, "--client-dir", grid.ClientDir]);
        await using (put)
        {
            await WaitForUploadAsync(grid, 8 << 20);
            Assert.Equal(130, await put.StopAsync(TimeSpan.FromSeconds(20)));
        }

        Assert.All(grid.Nodes, node => Assert.Empty(TestGrid.Incoming(node)));
        var cap = await grid.PutAsync(path);
        Assert.Equal(0, (await grid.RunAsync("check", cap)).ExitCode);
    }

    [Fact]
    public async Task A_put_killed_by_SIGKILL_is_joined_by_the_next_put_of_the_same_file_which_leaves_nothing_reserved()
    {
        await using var grid = await TestGrid.StartAsync();
        var path = await grid.WriteRandomFileAsync("big", 200 << 20, 22);
        await using (var put = RunningProcess.Start(["put", path, "--client-dir", grid.ClientDir]))
        {
            await WaitForUploadAsync(grid, 8 << 20);
            put.KillHard();
        }

        Assert.Contains(grid.Nodes, node => TestGrid.Incoming(node).Count > 0);
        var again = await grid.RunAsync("put", path, "--json");
        Assert.True(again.ExitCode == 0, again.Error);
        using var json = JsonDocument.Parse(again.Output);
        var cap = json.RootElement.GetProperty("cap").GetString()!;
        Assert.Equal(0, (await grid.RunAsync("check", cap)).ExitCode);
        Assert.All(grid.Nodes, node => Assert.Empty(TestGrid.Incoming(node)));
        await AssertNothingReservedAsync(grid);
    }

    [Fact]
    public async Task Check_verify_repair_and_get_agree_when_eight_shares_each_have_one_bad_block()
    {
        await using var grid = await TestGrid.StartAsync();
        var path = await grid.WriteRandomFileAsync("f", 8 << 20, 23);
        var cap = await grid.PutAsync(path);
        var shares = ShareFiles(grid, cap);
        for (var share = 0; share < 8; share++)
        {
            var header = HeaderOf(shares[share].Path);
            FlipByte(shares[share].Path, header.BlockOffset(share) + 1000 + share);
        }

        await AssertGetReturnsAsync(grid, cap, path);

        var check = await CheckJsonAsync(grid, cap, "--verify");
        Assert.Equal(1, check.ExitCode);
        var before = check.Json.GetProperty("before");
        Assert.True(before.GetProperty("recoverable").GetBoolean(), check.Json.ToString());
        Assert.False(before.GetProperty("healthy").GetBoolean());
        foreach (var holding in before.GetProperty("holdings").EnumerateArray())
        {
            var share = holding.GetProperty("share").GetInt32();
            Assert.Equal(share < 8 ? "corrupt" : "verified", holding.GetProperty("state").GetString());
            if (share < 8)
            {
                Assert.Equal(new[] { share }, holding.GetProperty("badBlocks").EnumerateArray().Select(b => b.GetInt32()));
                Assert.True(holding.GetProperty("confirmedByNode").GetBoolean());
            }
        }

        var repair = await CheckJsonAsync(grid, cap, "--verify", "--repair");
        Assert.True(repair.ExitCode == 0, repair.Json.ToString());
        Assert.Equal(Enumerable.Range(0, 8), repair.Json.GetProperty("repairedShares").EnumerateArray().Select(s => s.GetInt32()));

        var after = await CheckJsonAsync(grid, cap, "--verify");
        Assert.True(after.ExitCode == 0, after.Json.ToString());
        Assert.True(after.Json.GetProperty("before").GetProperty("healthy").GetBoolean());
        Assert.Equal(10, after.Json.GetProperty("before").GetProperty("happiness").GetInt32());
        await AssertGetReturnsAsync(grid, cap, path);
    }

    [Fact]
    public async Task Verify_reads_every_byte_an_unused_region_flip_and_an_appended_byte_are_corrupt()
    {
        await using var grid = await TestGrid.StartAsync();
        var path = await grid.WriteRandomFileAsync("f", 3 << 20, 24);
        var cap = await grid.PutAsync(path);
        var shares = ShareFiles(grid, cap);
        FlipByte(shares[0].Path, HeaderOf(shares[0].Path).PlaintextHashTreeOffset + 7);
        await File.AppendAllTextAsync(shares[1].Path, "x");

        var check = await CheckJsonAsync(grid, cap, "--verify");
        Assert.Equal(1, check.ExitCode);
        var holdings = check.Json.GetProperty("before").GetProperty("holdings").EnumerateArray().ToDictionary(h => h.GetProperty("share").GetInt32());
        Assert.Contains("unused", holdings[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("longer than", holdings[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.All(Enumerable.Range(2, 8), share => Assert.Equal("verified", holdings[share].GetProperty("state").GetString()));
        await AssertGetReturnsAsync(grid, cap, path);

        Assert.Equal(0, (await grid.RunAsync("check", cap, "--verify", "--repair")).ExitCode);
        Assert.Equal(0, (await grid.RunAsync("check", cap, "--verify")).ExitCode);
    }

    [Fact]
    public async Task A_cap_whose_k_or_size_disagrees_with_the_shares_is_one_line_and_exit_1_and_never_healthy()
    {
        await using var grid = await TestGrid.StartAsync();
        var path = await grid.WriteRandomFileAsync("f", 500_000, 25);
        var cap = (ChkReadCap)Cap.Parse(await grid.PutAsync(path));
        var parts = cap.ToString().Split(':');
        var wrongK = string.Join(':', parts[..4].Append("4").Concat(parts[5..]));
        var wrongSize = string.Join(':', parts[..6].Append((cap.Size + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var bad in new[] { wrongK, wrongSize })
        {
            var get = await grid.RunAsync("get", bad, "-o", grid.File("out"));
            Assert.Equal(1, get.ExitCode);
            Assert.Single(get.Error.Trim().Split('\n'));
            Assert.Contains("does not match", get.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(grid.File("out")));

            var check = await grid.RunAsync("check", bad);
            Assert.Equal(1, check.ExitCode);
            Assert.DoesNotContain("healthy:", check.Output, StringComparison.Ordinal);
            Assert.Contains("unrecoverable with this cap", check.Output, StringComparison.Ordinal);
            Assert.Equal(1, (await grid.RunAsync("check", bad, "--verify")).ExitCode);
        }
    }

    [Fact]
    public async Task Seeded_byte_flips_through_the_real_commands_are_caught_by_check_verify_and_never_change_what_get_returns()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        await using var grid = await TestGrid.StartAsync(maxSegmentSize: 120);
        var (path, _, cap) = await PutSmallFileAsync(grid, random);
        var shares = ShareFiles(grid, cap);
        for (var round = 0; round < 12; round++)
        {
            var share = random.Next(10);
            var original = await File.ReadAllBytesAsync(shares[share].Path);
            var offset = random.Next(original.Length);
            FlipByte(shares[share].Path, offset, (byte)random.Next(1, 256));

            var check = await CheckJsonAsync(grid, cap, "--verify");
            Assert.True(check.ExitCode == 1, $"seed {seed}: a flip at byte {offset} of share {share} was not found");
            var corrupt = check.Json.GetProperty("before").GetProperty("holdings").EnumerateArray()
                .Where(h => h.GetProperty("state").GetString() != "verified").Select(h => h.GetProperty("share").GetInt32()).ToList();
            Assert.True(corrupt.SequenceEqual([share]), $"seed {seed}: a flip at byte {offset} of share {share} was blamed on [{string.Join(",", corrupt)}]");
            await AssertGetReturnsAsync(grid, cap, path);
            await RestoreAsync(shares[share].Path, original);
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Every_single_byte_flip_across_a_small_files_ten_shares_is_caught_and_attributed_and_get_is_unchanged()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        await using var grid = await TestGrid.StartAsync(maxSegmentSize: 120);
        var (_, plaintext, text) = await PutSmallFileAsync(grid, random);
        var cap = (ChkReadCap)Cap.Parse(text);
        var shares = ShareFiles(grid, text);
        var originals = shares.Select(s => File.ReadAllBytes(s.Path)).ToArray();
        var client = await OpenClientAsync(grid);
        var node = (ImmutableFileNode)client.Nodes.Create(cap);
        var header = HeaderOf(shares[0].Path);
        Assert.Equal(2, (header.DataSize + header.BlockSize - 1) / header.BlockSize);

        // Seven shares at a time (three stay intact, so get still has a choice), then the other three.
        int[][] groups = [[0, 1, 2, 3, 4, 5, 6], [7, 8, 9]];
        var flips = 0;
        for (var offset = 0; offset < originals.Max(o => o.Length); offset++)
        {
            foreach (var group in groups)
            {
                var flipped = group.Where(share => offset < originals[share].Length).ToList();
                foreach (var share in flipped)
                {
                    var bytes = (byte[])originals[share].Clone();
                    bytes[offset] ^= (byte)random.Next(1, 256);
                    await File.WriteAllBytesAsync(shares[share].Path, bytes);
                }

                var report = await node.CheckAsync(verify: true, null, CancellationToken.None);
                foreach (var holding in report.Holdings)
                {
                    var expected = flipped.Contains(holding.Share) ? ShareState.Corrupt : ShareState.Verified;
                    Assert.True(holding.State == expected, $"seed {seed}: byte {offset} flipped in shares [{string.Join(",", flipped)}]: share {holding.Share} is {holding.State} ({holding.Reason})");
                    Assert.Equal(StorageUrl.Parse(shares[holding.Share].Node.Url).NodeId, holding.Server);
                }

                Assert.Equal(10, report.Holdings.Count);
                using var back = new MemoryStream();
                await node.ReadAsync(back, null, null, null, CancellationToken.None);
                Assert.True(back.ToArray().AsSpan().SequenceEqual(plaintext), $"seed {seed}: byte {offset} flipped in shares [{string.Join(",", flipped)}] changed what get returns");
                foreach (var share in flipped)
                {
                    await RestoreAsync(shares[share].Path, originals[share]);
                }

                flips += flipped.Count;
            }
        }

        Assert.Equal(originals.Sum(o => o.Length), flips);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Killing_the_client_or_a_node_at_twenty_random_points_of_an_upload_never_stops_a_re_put()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        await using var grid = await TestGrid.StartAsync();
        for (var round = 0; round < 20; round++)
        {
            var path = await grid.WriteRandomFileAsync($"f{round}", 24 << 20, seed + round);
            var delay = TimeSpan.FromMilliseconds(random.Next(50, 900));
            var killNode = round % 2 == 1;
            var victim = grid.Nodes[random.Next(grid.Nodes.Count)];
            await using (var put = RunningProcess.Start(["put", path, "--client-dir", grid.ClientDir]))
            {
                await Task.Delay(delay);
                if (killNode)
                {
                    grid.Kill(victim);
                    await put.WaitForExitAsync(TimeSpan.FromMinutes(2));
                }
                else
                {
                    put.KillHard();
                }
            }

            if (killNode)
            {
                await grid.RestartAsync(victim);
            }

            var again = await grid.RunAsync("put", path);
            var context = $"seed {seed}, round {round}: {(killNode ? "node" : "client")} killed after {delay.TotalMilliseconds} ms";
            Assert.True(again.ExitCode == 0, $"{context}: re-put failed: {again.Error}");
            var cap = again.Output.Trim().Split('\n')[^1];
            var check = await grid.RunAsync("check", cap, "--verify");
            Assert.True(check.ExitCode == 0, $"{context}: {check.Output}{check.Error}");
        }

        await AssertNothingReservedAsync(grid);
    }

    // 200 random bytes in two 120-byte segments: small enough to flip every byte, large enough for real hash trees.
    private static async Task<(string Path, byte[] Plaintext, string Cap)> PutSmallFileAsync(TestGrid grid, Random random)
    {
        var path = grid.File("small");
        var plaintext = new byte[200];
        random.NextBytes(plaintext);
        await File.WriteAllBytesAsync(path, plaintext);
        return (path, plaintext, await grid.PutAsync(path));
    }

    private static async Task WaitForUploadAsync(TestGrid grid, long bytes)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!grid.Nodes.Any(node => TestGrid.Incoming(node).Any(f => new FileInfo(f).Length > bytes)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the upload never got far into a node's share");
            await Task.Delay(20);
        }
    }

    // No upload holds space: nothing is left under incoming/, and (where the disk is roomy enough
    // not to be what limits it) each node promises exactly what its complete shares leave of its capacity.
    private static async Task AssertNothingReservedAsync(TestGrid grid)
    {
        var client = await OpenClientAsync(grid);
        foreach (var server in client.Grid.Servers)
        {
            var node = grid.Nodes.Single(n => StorageUrl.Parse(n.Url).NodeId == server.Url.NodeId);
            Assert.Empty(TestGrid.Incoming(node));
            var stored = Directory.GetFiles(Path.Combine(node.Dir, "shares"), "*", SearchOption.AllDirectories)
                .Where(f => int.TryParse(Path.GetFileName(f), out _)).Sum(f => new FileInfo(f).Length);
            var version = await server.GetVersionAsync(CancellationToken.None);
            if (new DriveInfo(node.Dir).AvailableFreeSpace > 2 * version.TotalCapacity + (4L << 30))
            {
                Assert.True(version.AvailableSpace == version.TotalCapacity - stored, $"{node.Name}: {version.TotalCapacity - stored - version.AvailableSpace} bytes still reserved");
            }
        }
    }

    private static Task<GranaryClient> OpenClientAsync(TestGrid grid) =>
        GranaryClientBuilder.FromDirectory(ClientDirectory.Open(grid.ClientDir)).BuildAsync(CancellationToken.None);

    /// <summary>Each share number's file and the node holding it (one copy each, as a fresh upload leaves them).</summary>
    private static (string Path, TestGrid.Node Node)[] ShareFiles(TestGrid grid, string cap) =>
        [.. Enumerable.Range(0, 10).Select(share =>
        {
            var node = grid.Nodes.Single(n => TestGrid.SharePath(n, cap, share) is not null);
            return (TestGrid.SharePath(node, cap, share)!, node);
        })];

    private static ShareHeader HeaderOf(string sharePath)
    {
        var bytes = new byte[ShareHeader.MaxSize];
        using (var file = File.OpenRead(sharePath))
        {
            file.ReadExactly(bytes);
        }

        Assert.True(ShareHeader.TryParse(bytes, out var header));
        return header!;
    }

    private static void FlipByte(string path, long offset, byte mask = 0x5a)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ mask));
    }

    // Puts a share's bytes back, and drops the node's mark of the corruption it confirmed meanwhile.
    private static async Task RestoreAsync(string path, byte[] original)
    {
        await File.WriteAllBytesAsync(path, original);
        File.Delete(path + ".corrupt");
    }

    private static async Task AssertGetReturnsAsync(TestGrid grid, string cap, string original)
    {
        var back = grid.File(Path.GetFileName(original) + ".back");
        var get = await grid.RunAsync("get", cap, "-o", back);
        Assert.True(get.ExitCode == 0, get.Error);
        var (expected, returned) = (await File.ReadAllBytesAsync(original), await File.ReadAllBytesAsync(back));
        Assert.True(expected.AsSpan().SequenceEqual(returned), "get returned other bytes");
        File.Delete(back);
    }

    private static async Task<(int ExitCode, JsonElement Json)> CheckJsonAsync(TestGrid grid, string cap, params string[] options)
    {
        var result = await grid.RunAsync(["check", cap, "--json", .. options]);
        Assert.True(result.Output.Length > 0, result.Error);
        return (result.ExitCode, JsonDocument.Parse(result.Output).RootElement.Clone());
    }
}
