using System.Text;
using System.Text.Json.Nodes;
using Granary.Client.Maintenance;
using Granary.Core.Caps;
using Granary.Hosting;
using Granary.Testing;

namespace Granary.IntegrationTests;

/// <summary>
/// The hub's keeper against real hub and node processes: audits catch nodes that lose or damage
/// shares, a node that keeps failing is disqualified, repair brings files back from the verify cap
/// alone, and with one steered clock across every process, kept files outlive lease expiry while
/// unkept ones expire on schedule.
/// </summary>
public sealed class KeeperProcessTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<JsonNode> GetAsync(TestGrid grid, string path) =>
        JsonNode.Parse(await Http.GetStringAsync(new Uri(grid.HubUrl, path)))!;

    private static async Task<JsonNode> FileStatusAsync(TestGrid grid, string cap)
    {
        Cap.Parse(cap).TryGetStorageIndex(out var storageIndex);
        var index = storageIndex.ToString();
        var files = await GetAsync(grid, "api/keeper/files");
        return files["files"]!.AsArray().Single(f => (string)f!["storageIndex"]! == index)!;
    }

    private static async Task<JsonNode?> NodeStatusAsync(TestGrid grid, TestGrid.Node node)
    {
        var id = Core.Protocol.StorageUrl.Parse(node.Url).NodeId.ToString();
        var nodes = await GetAsync(grid, "api/keeper/nodes");
        return nodes["nodes"]!.AsArray().SingleOrDefault(n => (string)n!["id"]! == id);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(250);
        }
    }

    private static async Task<string> OkAsync(TestGrid grid, params string[] args)
    {
        var result = await grid.RunAsync(args);
        Assert.True(result.ExitCode == 0, $"granary {string.Join(' ', args)}: {result.Output}{result.Error}");
        return result.Output;
    }

    private static IEnumerable<(TestGrid.Node Node, int Share, string Path)> Shares(TestGrid grid, string cap) =>
        grid.Nodes.SelectMany(node => Enumerable.Range(0, 10).Select(share => (node, share, TestGrid.SharePath(node, cap, share)))
            .Where(s => s.Item3 is not null).Select(s => (s.node, s.share, s.Item3!)));

    // The hub of a grid runs on this database (GRANARY_HUB_Database reaches it through grid up).
    private static Dictionary<string, string> On(TestDatabase database, Dictionary<string, string> environment)
    {
        if (database.Url is { } url)
        {
            environment["GRANARY_HUB_Database"] = url;
        }

        return environment;
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Audits_catch_lost_and_damaged_shares_a_failing_node_is_disqualified_and_repair_restores_every_file_from_verify_caps(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend);
        await using var grid = await TestGrid.StartAsync(
            nodes: 10,
            upArguments: ["--audit-interval", "1", "--checker-interval", "2"],
            environment: On(database, new Dictionary<string, string>
            {
                ["GRANARY_HUB_Keeper__RepairThreshold"] = "10",
                ["GRANARY_HUB_Keeper__DisqualifyBelow"] = "0.9",
                ["GRANARY_HUB_Keeper__VettingAudits"] = "2",
            }));

        // Three files: every node holds a share of each.
        var caps = new List<string>();
        var contents = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var file = await grid.WriteRandomFileAsync($"kept{i}.bin", 400_000 + (i * 77_777), 100 + i);
            contents.Add(file);
            caps.Add((await OkAsync(grid, "put", file)).Trim().Split('\n')[^1]);
        }

        var listed = await OkAsync(grid, "keep", "list");
        Assert.Contains(((ChkReadCap)Cap.Parse(caps[0])).VerifyCap.ToString(), listed, StringComparison.Ordinal);
        await EventuallyAsync(async () => (await GetAsync(grid, "api/keeper/nodes"))["nodes"]!.AsArray().Count == 10 &&
            (await GetAsync(grid, "api/keeper/nodes"))["nodes"]!.AsArray().All(n => (long)n!["auditsPassed"]! >= 3), "every node has passed audits");

        // One node deletes a share; another flips a byte in a block of one.
        var shares = Shares(grid, caps[0]).ToList();
        var (deleter, deletedShare, deletedPath) = shares[0];
        var (flipper, _, flippedPath) = shares.First(s => s.Node != deleter);
        File.Delete(deletedPath);
        await using (var stream = new FileStream(flippedPath, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = 0x44 + 10; // inside the first block
            var b = stream.ReadByte();
            stream.Position = 0x44 + 10;
            stream.WriteByte((byte)(b ^ 0x5a));
        }

        await EventuallyAsync(async () => (long)(await NodeStatusAsync(grid, deleter))!["auditsFailed"]! >= 1, "the node that deleted a share fails an audit");
        await EventuallyAsync(async () => (long)(await NodeStatusAsync(grid, flipper))!["auditsFailed"]! >= 1, "the node that flipped a byte fails an audit");
        await EventuallyAsync(async () => (int)(await FileStatusAsync(grid, caps[0]))["healthyShares"]! == 10 && (await FileStatusAsync(grid, caps[0]))["lastRepair"] is not null, "the damaged file is repaired");

        // A node that keeps dropping what it holds keeps failing: disqualified, no longer introduced, its shares made again elsewhere.
        // (It drops every share it gets until then: a repair that placed a share back on it while it was still in good
        // standing would otherwise let it pass again, and whether that happens first is a race.)
        var dropper = grid.Nodes.First(n => n != deleter && n != flipper);
        using (var dropping = new CancellationTokenSource())
        {
            var drops = Task.Run(async () =>
            {
                while (!dropping.IsCancellationRequested)
                {
                    try
                    {
                        foreach (var file in Directory.EnumerateFiles(Path.Combine(dropper.Dir, "shares"), "*", SearchOption.AllDirectories))
                        {
                            File.Delete(file);
                        }
                    }
                    catch (IOException)
                    {
                        // The node moved or removed something meanwhile: the next sweep finds what is left.
                    }

                    await Task.Delay(100);
                }
            });
            await EventuallyAsync(async () => (string?)(await NodeStatusAsync(grid, dropper))!["state"] == "disqualified", "the node that dropped its shares is disqualified");
            await dropping.CancelAsync();
            await drops;
        }

        var introduced = JsonNode.Parse(await Http.GetStringAsync(new Uri(grid.HubUrl, "introducer/v1/servers")))!["servers"]!.AsArray();
        Assert.DoesNotContain(introduced, s => ((string)s!["storageUrl"]!).Contains(Core.Protocol.StorageUrl.Parse(dropper.Url).NodeId.ToString(), StringComparison.Ordinal));

        // Four of the other nodes killed: every file back to n healthy shares, and readable.
        var killed = grid.Nodes.Where(n => n != dropper).Take(4).ToList();
        foreach (var node in killed)
        {
            grid.Kill(node);
        }

        foreach (var cap in caps)
        {
            await EventuallyAsync(
                async () => (int)(await FileStatusAsync(grid, cap))["healthyShares"]! == 10 && Shares(grid, cap).Count(s => !killed.Contains(s.Node) && s.Node != dropper) >= 10,
                $"{cap} is back to 10 healthy shares on the living nodes");
        }

        for (var i = 0; i < caps.Count; i++)
        {
            var output = grid.File($"back{i}.bin");
            await OkAsync(grid, "get", caps[i], "-o", output);
            Assert.Equal(await File.ReadAllBytesAsync(contents[i]), await File.ReadAllBytesAsync(output));
        }

        // The hub never held a read cap or a read key: not in its database (its files, or every row on PostgreSQL), not in its log.
        var hubDir = Path.Combine(grid.Root, "hub");
        var hubBytes = Directory.GetFiles(hubDir, "*", SearchOption.AllDirectories).Select(File.ReadAllBytes).ToList();
        if (backend == Backend.Postgres)
        {
            var rows = await database.DumpAsync();
            Assert.Contains(((ChkReadCap)Cap.Parse(caps[0])).VerifyCap.ToString(), rows, StringComparison.Ordinal); // the dump does hold the keeper's rows
            hubBytes.Add(Encoding.ASCII.GetBytes(rows));
            foreach (var cap in caps)
            {
                Assert.DoesNotContain(Convert.ToHexStringLower(((ChkReadCap)Cap.Parse(cap)).Key.ToArray()), rows, StringComparison.Ordinal);
            }
        }

        foreach (var cap in caps)
        {
            var read = (ChkReadCap)Cap.Parse(cap);
            var key = Core.Formats.Base32.Encode(read.Key.ToArray());
            Assert.DoesNotContain(hubBytes, bytes => Encoding.ASCII.GetString(bytes).Contains(key, StringComparison.Ordinal));
            Assert.DoesNotContain(hubBytes, bytes => bytes.AsSpan().IndexOf(read.Key) >= 0);
        }
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Forty_days_pass_kept_files_stay_with_every_lease_renewed_and_unkept_files_expire_on_schedule(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend);
        using var clockDirectory = new TempDirectory("granary-clock");
        var clock = clockDirectory.File("offset");
        SteerableClock.Steer(clock, TimeSpan.Zero);
        var environment = On(database, new Dictionary<string, string>
        {
            [SteerableClock.Variable] = clock,
            ["GRANARY_NODE_HubPingSeconds"] = "1",
            ["GRANARY_NODE_GarbageCollection__IntervalSeconds"] = "1",
            ["GRANARY_HUB_Keeper__LeaseRenewSeconds"] = (3 * 86400).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await using var grid = await TestGrid.StartAsync(nodes: 5, upArguments: ["--audit-interval", "1", "--checker-interval", "1"], environment: environment);
        var keptFile = await grid.WriteRandomFileAsync("kept.bin", 300_000, 1);
        var unkeptFile = await grid.WriteRandomFileAsync("unkept.bin", 300_000, 2);
        var kept = (await OkAsync(grid, "put", keptFile)).Trim();
        var unkept = (await OkAsync(grid, "put", "--no-keep", unkeptFile)).Trim();
        var keptMutable = (await OkAsync(grid, "put", "--mutable", keptFile)).Trim();
        var unkeptMutable = (await OkAsync(grid, "put", "--mutable", "--no-keep", unkeptFile)).Trim();
        Assert.Equal(10, Shares(grid, kept).Count());
        Assert.Equal(10, Shares(grid, unkept).Count());

        var unkeptGoneOnDay = 0;
        var unkeptMutableGoneOnDay = 0;
        for (var day = 4; day <= 40; day += 4)
        {
            SteerableClock.Steer(clock, TimeSpan.FromDays(day));
            var steered = DateTimeOffset.UtcNow.AddDays(day);

            // Wait for a checker pass at the new time, after the nodes have announced themselves again.
            await EventuallyAsync(
                async () => (await FileStatusAsync(grid, kept))["lastCheck"]!.GetValue<DateTimeOffset>() > steered.AddSeconds(1)
                    && JsonNode.Parse(await Http.GetStringAsync(new Uri(grid.HubUrl, "introducer/v1/servers")))!["servers"]!.AsArray().Count == 5,
                $"a checker pass on day {day}");
            await Task.Delay(2500); // a collection sweep on every node at the new time
            // Every share number still on some node (a checker pass that ran while announcements lapsed at the jump may have added copies).
            Assert.True(Shares(grid, kept).Select(s => s.Share).Distinct().Count() == 10, $"day {day}: the kept file lost shares");
            Assert.True(
                Enumerable.Range(0, 10).All(share => grid.Nodes.Any(n => TestGrid.MutableSharePath(n, keptMutable, share) is not null)), $"day {day}: the kept mutable file lost shares");
            if (unkeptGoneOnDay == 0 && !Shares(grid, unkept).Any())
            {
                unkeptGoneOnDay = day;
            }

            if (unkeptMutableGoneOnDay == 0 && !Enumerable.Range(0, 10).Any(share => grid.Nodes.Any(n => TestGrid.MutableSharePath(n, unkeptMutable, share) is not null)))
            {
                unkeptMutableGoneOnDay = day;
            }
        }

        // The uploader's lease ran 31 days and the nodes keep expired shares 7 days more: gone between day 38 and 40, not before.
        Assert.Equal(40, unkeptGoneOnDay);
        Assert.Equal(40, unkeptMutableGoneOnDay);
        foreach (var cap in new[] { kept, keptMutable })
        {
            var output = grid.File("kept.out");
            await OkAsync(grid, "get", cap, "-o", output);
            Assert.Equal(await File.ReadAllBytesAsync(keptFile), await File.ReadAllBytesAsync(output));
        }
    }

    [Fact]
    public async Task The_gateway_hands_the_files_and_directories_it_makes_to_the_hubs_to_keep()
    {
        await using var grid = await TestGrid.StartAsync(nodes: 5);
        using var gateway = new GatewayClient(new Uri(grid.Gateway.Url));
        var data = new byte[40_000];
        new Random(11).NextBytes(data);
        var made = new[]
        {
            await gateway.SendAsync(HttpMethod.Put, "uri", data),
            await gateway.SendAsync(HttpMethod.Put, "uri?format=MDMF", data),
            await gateway.SendAsync(HttpMethod.Post, "uri?t=mkdir"),
        };
        Assert.All(made, answer => Assert.True(answer.Status == 200, answer.Text));
        var indexes = made.Select(answer => Cap.Parse(answer.Text.Trim()).TryGetStorageIndex(out var index) ? index.ToString() : throw new InvalidOperationException(answer.Text)).ToList();

        // Handed over in the background: the requests answered before the hub was asked.
        await EventuallyAsync(
            async () => (await GetAsync(grid, "api/keeper/files"))["files"]!.AsArray().Select(f => (string)f!["storageIndex"]!).ToHashSet().IsSupersetOf(indexes),
            "the hub keeps the gateway's immutable file, mutable file and directory");
        var listed = await OkAsync(grid, "keep", "list");
        Assert.All(made.Skip(1), answer => Assert.Contains(HubKeeper.VerifyCapOf(Cap.Parse(answer.Text.Trim())), listed, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Mutable_files_and_directories_are_kept_audited_against_their_newest_signed_version_and_a_stale_share_is_left_to_the_owner()
    {
        await using var grid = await TestGrid.StartAsync(
            nodes: 5,
            upArguments: ["--audit-interval", "1", "--checker-interval", "1"],
            environment: new Dictionary<string, string> { ["GRANARY_HUB_Keeper__RepairThreshold"] = "10" });
        var first = await grid.WriteRandomFileAsync("first.bin", 30_000, 7);
        var second = await grid.WriteRandomFileAsync("second.bin", 40_000, 8);
        var writeCap = (await OkAsync(grid, "put", "--mutable", first)).Trim();
        var directory = (await OkAsync(grid, "mkdir")).Trim();
        var verifyCap = ((MutableWriteCap)Cap.Parse(writeCap)).VerifyCap.ToString();
        var listed = await OkAsync(grid, "keep", "list");
        Assert.Contains(verifyCap, listed, StringComparison.Ordinal);
        Assert.Contains(((MutableWriteCap)((DirectoryCap)Cap.Parse(directory)).FileCap).VerifyCap.ToString(), listed, StringComparison.Ordinal);
        Assert.Contains("already kept", await OkAsync(grid, "keep", "add", writeCap), StringComparison.Ordinal);

        await EventuallyAsync(
            async () => (await FileStatusAsync(grid, writeCap))["lastAudit"] is not null && (await FileStatusAsync(grid, directory))["lastAudit"] is not null
                && (await GetAsync(grid, "api/keeper/nodes"))["nodes"]!.AsArray().Count == 5,
            "both mutable files are audited");

        // One node keeps its copy of share 0 as it was; the owner writes a new version; the node puts the old copy back.
        var (holder, oldPath) = grid.Nodes.Select(n => (n, TestGrid.MutableSharePath(n, writeCap, 0))).First(h => h.Item2 is not null);
        var oldShare = await File.ReadAllBytesAsync(oldPath!);
        await OkAsync(grid, "put", second, writeCap);
        await File.WriteAllBytesAsync(oldPath!, oldShare);

        // The keeper follows the new version, finds the old share stale (not a failure of the node's), and,
        // as it cannot write mutable shares itself, says the owner must repair the file.
        await EventuallyAsync(
            async () => (await GetAsync(grid, "api/keeper/files"))["decisions"]!.AsArray().Any(d => (string)d!["kind"]! == "share-stale"),
            "the old share is found stale");
        await EventuallyAsync(
            async () => ((string?)(await FileStatusAsync(grid, writeCap))["repairError"])?.Contains("write cap", StringComparison.Ordinal) == true,
            "the file is reported as needing its owner's repair");
        Assert.Equal(9, (int)(await FileStatusAsync(grid, writeCap))["healthyShares"]!);
        Assert.All((await GetAsync(grid, "api/keeper/nodes"))["nodes"]!.AsArray(), n => Assert.True((long)n!["auditsFailed"]! == 0, n.ToJsonString()));

        // The owner repairs it with the write cap: every share holds the new version again, and the keeper sees the file whole.
        await OkAsync(grid, "check", "--repair", writeCap);
        await EventuallyAsync(
            async () => (await FileStatusAsync(grid, writeCap)) is var f && (int)f["healthyShares"]! == 10 && f["repairError"] is null,
            "the repaired file is counted healthy again");
        var output = grid.File("back.bin");
        await OkAsync(grid, "get", writeCap, "-o", output);
        Assert.Equal(await File.ReadAllBytesAsync(second), await File.ReadAllBytesAsync(output));
        Assert.All((await GetAsync(grid, "api/keeper/nodes"))["nodes"]!.AsArray(), n => Assert.True((long)n!["auditsFailed"]! == 0, n.ToJsonString()));

        // The hub holds verify caps only: no write key or read key of either file in its directory.
        var hubBytes = Directory.GetFiles(Path.Combine(grid.Root, "hub"), "*", SearchOption.AllDirectories).Select(File.ReadAllBytes).ToList();
        foreach (var cap in new[] { (MutableWriteCap)Cap.Parse(writeCap), (MutableWriteCap)((DirectoryCap)Cap.Parse(directory)).FileCap })
        {
            Assert.DoesNotContain(hubBytes, bytes => bytes.AsSpan().IndexOf(cap.WriteKey) >= 0 || bytes.AsSpan().IndexOf(cap.ReadCap.ReadKey) >= 0);
            Assert.DoesNotContain(hubBytes, bytes => Encoding.ASCII.GetString(bytes).Contains(cap.ToString(), StringComparison.Ordinal) || Encoding.ASCII.GetString(bytes).Contains(cap.ReadCap.ToString(), StringComparison.Ordinal));
        }
    }
}
