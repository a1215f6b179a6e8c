using System.Diagnostics;
using Granary.Testing;

namespace Granary.IntegrationTests;

/// <summary>One grid shared by the tests that do not break it.</summary>
public sealed class SharedGrid : IAsyncLifetime
{
    internal TestGrid Grid { get; private set; } = null!;

    public async Task InitializeAsync() => Grid = await TestGrid.StartAsync();

    public async Task DisposeAsync() => await Grid.DisposeAsync();
}

public sealed class GridClientTests(SharedGrid shared) : IClassFixture<SharedGrid>
{
    private TestGrid Grid => shared.Grid;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(55)]
    [InlineData(56)]
    [InlineData(1000)]
    [InlineData((1 << 20) + 1)]
    [InlineData(10 << 20)]
    [InlineData(100 << 20)]
    public async Task Files_round_trip_through_the_grid(int size)
    {
        var path = await Grid.WriteRandomFileAsync($"round-{size}", size, size);
        var cap = await Grid.PutAsync(path);
        Assert.StartsWith(size <= 55 ? "URI:LIT:" : "URI:CHK:", cap, StringComparison.Ordinal);
        var back = Grid.File($"round-{size}.back");
        var get = await Grid.RunAsync("get", cap, "-o", back);
        Assert.True(get.ExitCode == 0, get.Error);
        var original = await File.ReadAllBytesAsync(path);
        var returned = await File.ReadAllBytesAsync(back);
        Assert.True(original.AsSpan().SequenceEqual(returned), $"{size} bytes came back different");
        Assert.False(File.Exists(back + ".partial"));
    }

    [Fact]
    public async Task Uploading_the_same_file_again_uploads_nothing_and_gives_the_same_cap()
    {
        var path = await Grid.WriteRandomFileAsync("twice", 3_000_000, 2);
        var first = await Grid.PutAsync(path);
        var again = await Grid.RunAsync("put", path, "--json");
        Assert.Equal(0, again.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(again.Output);
        Assert.Equal(first, json.RootElement.GetProperty("cap").GetString());
        Assert.Equal(0, json.RootElement.GetProperty("sharesUploaded").GetInt32());
        Assert.Equal(10, json.RootElement.GetProperty("sharesAlreadyPresent").GetInt32());
    }

    [Fact]
    public async Task Standard_input_uploads_like_the_file()
    {
        var path = await Grid.WriteRandomFileAsync("stdin", 700_000, 3);
        var cap = await Grid.PutAsync(path);
        var info = GranaryProcess.StartInfo(["put", "-", "--client-dir", Grid.ClientDir]);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        await using (var input = File.OpenRead(path))
        {
            await input.CopyToAsync(process.StandardInput.BaseStream);
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync();
        Assert.Equal(cap, (await output).Trim());
    }

    [Fact]
    public async Task A_range_returns_just_those_bytes()
    {
        // Text, so standard output can be compared as a string.
        var path = Grid.File("range.txt");
        await File.WriteAllTextAsync(path, string.Concat(Enumerable.Range(0, 300_000).Select(i => (char)('a' + (i % 26)))) + "0123456789" + new string('z', 2_700_000));
        var cap = await Grid.PutAsync(path);
        var text = await File.ReadAllTextAsync(path);
        var result = await GranaryProcess.RunAsync(["get", cap, "--range", "299995-300012", "--client-dir", Grid.ClientDir]);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(text[299995..300013], result.Output);

        var file = Grid.File("range.part");
        Assert.Equal(0, (await Grid.RunAsync("get", cap, "--range", "1048570-1048600", "-o", file)).ExitCode);
        Assert.Equal(text[1048570..1048601], await File.ReadAllTextAsync(file));
        Assert.Equal(2, (await Grid.RunAsync("get", cap, "--range", "9-3")).ExitCode);
    }

    [Fact]
    public async Task A_cap_for_a_file_nobody_stored_fails_clearly()
    {
        var path = Grid.File("never");
        await File.WriteAllBytesAsync(path, new byte[5000]);
        var cap = (await GranaryProcess.RunAsync(["cap", path, "--convergence-secret", "bm9ib2R5"])).Output.Trim();
        var result = await Grid.RunAsync("get", cap, "-o", Grid.File("never.back"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("No server holds it", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Grid.File("never.back")));
        Assert.False(File.Exists(Grid.File("never.back.partial")));
    }

    [Theory]
    [InlineData("URI:CHK:nonsense")]
    [InlineData("hello")]
    public async Task A_malformed_cap_is_a_usage_error(string cap)
    {
        var result = await Grid.RunAsync("get", cap);
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Grid_status_lists_every_node_up()
    {
        var result = await GranaryProcess.RunAsync(["grid", "status", "--dir", Grid.Root, "--json"]);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        using var json = System.Text.Json.JsonDocument.Parse(result.Output);
        var nodes = json.RootElement.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(10, nodes.Count);
        Assert.All(nodes, n => Assert.StartsWith("up", n.GetProperty("health").GetString(), StringComparison.Ordinal));
    }
}

/// <summary>Tests that break their own grid.</summary>
public sealed class GridFailureTests
{
    [Fact]
    public async Task A_file_survives_n_minus_k_nodes_killed()
    {
        await using var grid = await TestGrid.StartAsync();
        var path = await grid.WriteRandomFileAsync("f", 5_000_000, 10);
        var cap = await grid.PutAsync(path);
        foreach (var node in grid.Nodes.Take(7))
        {
            grid.Kill(node);
        }

        var back = grid.File("f.back");
        var get = await grid.RunAsync("get", cap, "-o", back);
        Assert.True(get.ExitCode == 0, get.Error);
        Assert.Equal(await File.ReadAllBytesAsync(path), await File.ReadAllBytesAsync(back));

        var check = await grid.RunAsync("check", cap);
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("recoverable", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupt_share_is_caught_routed_around_and_repaired()
    {
        await using var grid = await TestGrid.StartAsync();
        var path = await grid.WriteRandomFileAsync("f", 4_000_000, 11);
        var cap = await grid.PutAsync(path);
        var holder = grid.Nodes.First(n => TestGrid.SharePath(n, cap, 0) is not null);
        var share = TestGrid.SharePath(holder, cap, 0)!;
        await using (var file = new FileStream(share, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 5000;
            var b = file.ReadByte();
            file.Position = 5000;
            file.WriteByte((byte)(b ^ 0xFF));
        }

        var back = grid.File("f.back");
        Assert.Equal(0, (await grid.RunAsync("get", cap, "-o", back)).ExitCode);
        Assert.Equal(await File.ReadAllBytesAsync(path), await File.ReadAllBytesAsync(back));

        var verify = await grid.RunAsync("check", cap, "--verify");
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("corrupt", verify.Output, StringComparison.Ordinal);

        var repair = await grid.RunAsync("check", cap, "--verify", "--repair");
        Assert.True(repair.ExitCode == 0, repair.Output + repair.Error);
        Assert.Contains("made shares 0", repair.Output, StringComparison.Ordinal);

        var after = await grid.RunAsync("check", cap, "--verify", "--json");
        Assert.Equal(0, after.ExitCode);
        Assert.Contains(File.ReadLines(Path.Combine(holder.Dir, "node.log")), line => line.Contains("Corruption reported", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Killing_a_node_during_an_upload_still_stores_the_file()
    {
        await using var grid = await TestGrid.StartAsync();
        var path = await grid.WriteRandomFileAsync("big", 300 << 20, 12);
        var put = RunningProcess.Start(["put", path, "--client-dir", grid.ClientDir]);
        await using (put)
        {
            // Wait until a node has received part of its share, then pull the plug on it.
            var victim = grid.Nodes[3];
            var incoming = Path.Combine(victim.Dir, "incoming");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!Directory.Exists(incoming) || !Directory.EnumerateFiles(incoming, "*", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length > (8 << 20)))
            {
                Assert.True(DateTime.UtcNow < deadline, "the upload never got far into the node's share");
                await Task.Delay(20);
            }

            grid.Kill(victim);
            await put.WaitForExitAsync(TimeSpan.FromMinutes(4));
            Assert.True(put.ExitCode == 0, put.Error);
            var cap = put.Output.Trim().Split('\n')[^1];
            Assert.Contains("failed during the upload", put.Error, StringComparison.Ordinal);

            var back = grid.File("big.back");
            Assert.Equal(0, (await grid.RunAsync("get", cap, "-o", back)).ExitCode);
            Assert.True(await SameFilesAsync(path, back));
            var check = await grid.RunAsync("check", cap, "--json");
            Assert.True(check.ExitCode == 0, check.Output);
        }
    }

    [Fact]
    public async Task An_upload_to_a_grid_with_no_room_fails_with_the_reason()
    {
        await using var grid = await TestGrid.StartAsync(nodes: 10, capacity: "1MiB");
        var path = await grid.WriteRandomFileAsync("f", 10 << 20, 13);
        var result = await grid.RunAsync("put", path);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Cannot upload", result.Error, StringComparison.Ordinal);
        Assert.Contains("full", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Output);
    }

    [Fact]
    public async Task Nodes_that_never_answer_are_timed_out_and_read_around()
    {
        await using var grid = await TestGrid.StartAsync();
        var path = await grid.WriteRandomFileAsync("f", 3_000_000, 14);
        var cap = await grid.PutAsync(path);

        // Only the read around frozen nodes runs on the short timeout: a cold `put` on a busy CI
        // machine heard from no node within 2 s (every node was fine).
        await grid.SetRequestTimeoutAsync(2);
        foreach (var node in grid.Nodes.Take(4))
        {
            grid.Freeze(node);
        }

        var clock = Stopwatch.StartNew();
        var back = grid.File("f.back");
        var get = await grid.RunAsync("get", cap, "-o", back);
        Assert.True(get.ExitCode == 0, get.Error);
        Assert.Equal(await File.ReadAllBytesAsync(path), await File.ReadAllBytesAsync(back));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Grid_down_stops_a_grid_started_elsewhere()
    {
        await using var grid = await TestGrid.StartAsync(nodes: 3);
        var down = await GranaryProcess.RunAsync(["grid", "down", "--dir", grid.Root]);
        Assert.Equal(0, down.ExitCode);
        foreach (var node in grid.Nodes)
        {
            Assert.Throws<ArgumentException>(() => Process.GetProcessById(node.Pid));
        }

        Assert.False(File.Exists(Path.Combine(grid.Root, "grid.json")));
    }

    private static async Task<bool> SameFilesAsync(string a, string b)
    {
        await using var x = File.OpenRead(a);
        await using var y = File.OpenRead(b);
        if (x.Length != y.Length)
        {
            return false;
        }

        var bx = new byte[1 << 20];
        var by = new byte[1 << 20];
        int read;
        while ((read = await x.ReadAsync(bx)) > 0)
        {
            await y.ReadExactlyAsync(by.AsMemory(0, read));
            if (!bx.AsSpan(0, read).SequenceEqual(by.AsSpan(0, read)))
            {
                return false;
            }
        }

        return true;
    }
}
