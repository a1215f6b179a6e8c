using System.Text.Json;
using Granary.Testing;

namespace Granary.IntegrationTests;

public sealed class BenchProcessTests : IDisposable
{
    private readonly TempDirectory _dir = new("granary-bench-process");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Bench_grid_puts_and_gets_through_a_real_grid_and_cleans_up()
    {
        var result = await GranaryProcess.RunAsync(
            ["bench", "grid", "--nodes", "4", "--size", "3MiB", "--dir", _dir.Path, "--json"], TimeSpan.FromMinutes(3));

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal(3L << 20, root.GetProperty("fileBytes").GetInt64());
        Assert.Equal(4, root.GetProperty("nodes").GetInt32());
        foreach (var name in new[] { "put", "get", "repair" })
        {
            var transfer = root.GetProperty(name);
            Assert.True(transfer.GetProperty("throughputMBps").GetDouble() > 0, name);
            Assert.InRange(transfer.GetProperty("clientPeakBytes").GetInt64(), 10L << 20, 1L << 30);
            Assert.True(transfer.GetProperty("clientCpuSeconds").GetDouble() > 0, name);
        }

        Assert.True(root.GetProperty("encodeAllCoresMBps").GetDouble() > 0);
        var plain = root.GetProperty("plainWriteMBps").GetDouble();
        Assert.True(plain > 0);
        // The ratios the figures are judged by are in the JSON, each against its own baseline.
        Assert.Equal(root.GetProperty("put").GetProperty("throughputMBps").GetDouble() / plain, root.GetProperty("putOverPlain").GetDouble(), 6);
        Assert.Equal(root.GetProperty("get").GetProperty("throughputMBps").GetDouble() / plain, root.GetProperty("getOverPlain").GetDouble(), 6);
        Assert.True(root.GetProperty("repairOverPut").GetDouble() > 0);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task Bench_audit_runs_audits_and_the_hubs_audit_passes_beside_block_reads_against_a_real_grid_and_cleans_up()
    {
        var result = await GranaryProcess.RunAsync(
            ["bench", "audit", "--nodes", "4", "--files", "2", "--size", "1MiB", "--seconds", "1", "--in-flight", "4", "--dir", _dir.Path, "--json"], TimeSpan.FromMinutes(3));

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal(4, root.GetProperty("nodes").GetInt32());
        Assert.True(root.GetProperty("shares").GetInt32() >= 2);
        Assert.True(root.GetProperty("audits").GetInt64() > 0);
        Assert.Equal(0, root.GetProperty("failedAudits").GetInt64());
        var audits = root.GetProperty("auditsPerSecond").GetDouble();
        var reads = root.GetProperty("blockReadsPerSecond").GetDouble();
        Assert.True(reads > 0);
        Assert.Equal(audits / reads, root.GetProperty("auditsOverReads").GetDouble(), 6);

        // The hub's own passes audited every share of the kept files at least once, none failing.
        Assert.Equal("SQLite", root.GetProperty("hubDatabase").GetString());
        Assert.True(root.GetProperty("hubPasses").GetInt32() >= 1);
        Assert.True(root.GetProperty("hubAudits").GetInt64() >= root.GetProperty("shares").GetInt32());
        Assert.Equal(0, root.GetProperty("hubFailedAudits").GetInt64());
        Assert.Equal(root.GetProperty("hubAuditsPerSecond").GetDouble() / reads, root.GetProperty("hubAuditsOverReads").GetDouble(), 6);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task Bench_codec_decodes_the_best_pattern_and_every_layout_of_the_worst_names_the_slowest_and_sets_the_best_beside_the_xor_ceiling()
    {
        var result = await GranaryProcess.RunAsync(
            ["bench", "codec", "-k", "10", "-n", "14", "--shard-size", "4164", "--total", "64MiB", "--json"], TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.True(root.GetProperty("encodeMBps").GetDouble() > 0);
        Assert.Equal([0], root.GetProperty("decodeBest").GetProperty("lostDataShares").EnumerateArray().Select(e => e.GetInt32()));

        var layouts = root.GetProperty("worstLayouts").EnumerateArray().ToArray();
        Assert.Equal(6, layouts.Length); // leading, trailing, spread and three random: all distinct at 10-of-14
        Assert.All(layouts, layout => Assert.Equal(4, layout.GetProperty("lostDataShares").GetArrayLength()));
        var slowest = layouts.Min(layout => layout.GetProperty("throughputMBps").GetDouble());
        var worst = root.GetProperty("decodeWorst");
        Assert.Equal(slowest, worst.GetProperty("throughputMBps").GetDouble());
        Assert.Equal(root.GetProperty("encodeMBps").GetDouble() / slowest, root.GetProperty("worstDecodeOverEncodeTime").GetDouble(), 6);

        var xorCeiling = root.GetProperty("xorCeilingMBps").GetDouble();
        Assert.True(xorCeiling > 0);
        Assert.Equal(root.GetProperty("decodeBest").GetProperty("throughputMBps").GetDouble() / xorCeiling, root.GetProperty("bestDecodeOverXorCeiling").GetDouble(), 6);
    }

    [Fact]
    public async Task Bench_node_measures_the_node_beside_plain_files_and_plain_sockets_and_cleans_up()
    {
        var result = await GranaryProcess.RunAsync(
            ["bench", "node", "--size", "64MiB", "--streams", "3", "--json"], TimeSpan.FromMinutes(3), new Dictionary<string, string> { ["TMPDIR"] = _dir.Path });

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal(64L << 20, root.GetProperty("bytes").GetInt64());
        Assert.Equal(3, root.GetProperty("streams").GetInt32());
        foreach (var side in new[] { "node", "file", "socket" })
        {
            foreach (var work in new[] { "WriteMBps", "ColdReadMBps", "WarmReadMBps" })
            {
                Assert.True(root.GetProperty(side + work).GetDouble() > 0, side + work);
            }
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task Bench_gateway_measures_the_gateway_beside_the_cli_and_a_node_and_cleans_up()
    {
        var result = await GranaryProcess.RunAsync(
            ["bench", "gateway", "--nodes", "4", "--size", "16MiB", "--small-files", "20", "--concurrency", "4", "--dir", _dir.Path, "--json"], TimeSpan.FromMinutes(3));

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal(16L << 20, root.GetProperty("fileBytes").GetInt64());
        foreach (var name in new[] { "cliPutMBps", "gatewayPutMBps", "gatewayStreamedPutMBps", "cliGetMBps", "gatewayGetMBps", "putRatio", "streamedPutRatio", "getRatio", "smallPutsPerSecond", "smallGetsPerSecond", "nodeRequestsPerSecond" })
        {
            Assert.True(root.GetProperty(name).GetDouble() > 0, name);
        }

        Assert.InRange(root.GetProperty("gatewayPeakBytesLarge").GetInt64(), 10L << 20, 2L << 30);
        Assert.InRange(root.GetProperty("gatewayPeakBytesSmall").GetInt64(), 10L << 20, 2L << 30);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task Bench_hub_loads_a_real_hub_with_wrk_and_reports_every_measurement()
    {
        var result = await GranaryProcess.RunAsync(["bench", "hub", "--farmers", "40", "--online", "30", "--duration", "1", "--connections", "8", "--json"], TimeSpan.FromMinutes(3));

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal(40, root.GetProperty("farmers").GetInt32());
        Assert.Equal("SQLite", root.GetProperty("database").GetString());
        var loads = root.GetProperty("loads").EnumerateArray().ToList();
        Assert.Equal(6, loads.Count);
        Assert.Equal("GET /api/online/json, caching off", loads[^1].GetProperty("name").GetString());
        Assert.All(loads, load =>
        {
            Assert.True(load.GetProperty("requestsPerSecond").GetDouble() > 0, load.GetProperty("name").GetString());
            Assert.Equal(0, load.GetProperty("errors").GetInt64());
        });

        // 30 farmers online, each entry about 170 bytes of pretty JSON.
        Assert.InRange(root.GetProperty("onlineJsonBytes").GetInt32(), 30 * 150, 30 * 200);
    }

    [Fact]
    public async Task Bench_tracker_loads_a_real_tracker_with_wrk_reads_a_streamed_file_list_and_federates_three_hubs()
    {
        var result = await GranaryProcess.RunAsync(
            ["bench", "tracker", "--peers", "20", "--files", "60", "--events", "90", "--duration", "1", "--connections", "4", "--json"],
            TimeSpan.FromMinutes(3),
            new Dictionary<string, string> { ["TMPDIR"] = _dir.Path });

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal(20, root.GetProperty("peers").GetInt32());
        Assert.Equal(60, root.GetProperty("files").GetInt32());
        Assert.Equal("SQLite", root.GetProperty("database").GetString());
        var loads = root.GetProperty("loads").EnumerateArray().ToList();
        Assert.Equal(4, loads.Count);
        Assert.All(loads, load =>
        {
            // A peer's requests never overlap, so a single 409 would be a lost or doubled sequence number.
            Assert.True(load.GetProperty("requestsPerSecond").GetDouble() > 0, load.GetProperty("name").GetString());
            Assert.Equal(0, load.GetProperty("errors").GetInt64());
        });

        var list = root.GetProperty("fileList");
        Assert.Equal(60, list.GetProperty("files").GetInt32());
        Assert.True(list.GetProperty("chunked").GetBoolean());
        Assert.InRange(list.GetProperty("firstByteMs").GetDouble(), 0, list.GetProperty("totalMs").GetDouble());

        var federation = root.GetProperty("federation");
        Assert.Equal(90, federation.GetProperty("events").GetInt32());
        Assert.Equal(3, federation.GetProperty("hubs").GetInt32());
        Assert.InRange(federation.GetProperty("sendSeconds").GetDouble(), double.Epsilon, federation.GetProperty("convergedSeconds").GetDouble());
        Assert.Contains("bench tracker: federation convergence", result.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task Bench_farm_measures_a_build_beside_writing_from_memory_and_the_verification_rate_and_cleans_up()
    {
        var result = await GranaryProcess.RunAsync(["bench", "farm", "--size", "128MiB", "--dir", _dir.Path, "--json"], TimeSpan.FromMinutes(3));

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal(128L << 20, root.GetProperty("bytes").GetInt64());
        foreach (var figure in new[] { "generateMBps", "baselineWriteMBps", "buildWriteMBps", "writeRatio", "baselineDurableMBps", "buildDurableMBps", "durableRatio", "proofsPerSecond", "verificationsPerSecond" })
        {
            Assert.True(root.GetProperty(figure).GetDouble() > 0, figure);
        }

        Assert.Equal(root.GetProperty("verificationsPerSecond").GetDouble() / 5000, root.GetProperty("verificationGoalRatio").GetDouble(), 6);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task Bench_keeper_times_checker_recounts_beside_a_plain_count_and_cleans_up()
    {
        var result = await GranaryProcess.RunAsync(
            ["bench", "keeper", "--files", "2000", "--json"], TimeSpan.FromMinutes(2), new Dictionary<string, string> { ["TMPDIR"] = _dir.Path });

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal(2000, root.GetProperty("files").GetInt32());
        Assert.Equal(20_000, root.GetProperty("shareRows").GetInt64());
        Assert.Equal("SQLite", root.GetProperty("database").GetString());
        // Every file has 8 healthy shares (one node disqualified, one unreachable): none below 7.
        Assert.Equal(0, root.GetProperty("filesBelowThreshold").GetInt32());
        foreach (var name in new[] { "recount", "countBaseline" })
        {
            var timing = root.GetProperty(name);
            Assert.InRange(timing.GetProperty("bestSeconds").GetDouble(), double.Epsilon, timing.GetProperty("medianSeconds").GetDouble());
            Assert.True(timing.GetProperty("passesPerSecond").GetDouble() > 0, name);
        }

        Assert.Equal(
            root.GetProperty("recount").GetProperty("bestSeconds").GetDouble() / root.GetProperty("countBaseline").GetProperty("bestSeconds").GetDouble(),
            root.GetProperty("recountOverBaseline").GetDouble(),
            6);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Theory]
    [InlineData("100MiB")]
    [InlineData("lots")]
    public async Task Bench_farm_refuses_a_size_without_a_whole_shard(string size)
    {
        var result = await GranaryProcess.RunAsync(["bench", "farm", "--size", size, "--dir", _dir.Path]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("128 MiB shard", result.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Theory]
    [InlineData("--size", "10")]
    [InlineData("--nodes", "0")]
    [InlineData("--size", "lots")]
    public async Task Bench_grid_refuses_a_bad_argument_with_exit_code_2(string option, string value)
    {
        var result = await GranaryProcess.RunAsync(["bench", "grid", option, value, "--dir", _dir.Path]);

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Theory]
    [InlineData("--connections", "30")]
    [InlineData("--files", "5")]
    public async Task Bench_tracker_refuses_a_bad_argument_with_exit_code_2_before_starting_anything(string option, string value)
    {
        var result = await GranaryProcess.RunAsync(["bench", "tracker", "--peers", "20", option, value], TimeSpan.FromMinutes(1), new Dictionary<string, string> { ["TMPDIR"] = _dir.Path });

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--peers", result.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }
}
