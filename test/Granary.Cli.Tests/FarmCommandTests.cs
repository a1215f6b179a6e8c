using System.Security.Cryptography;
using System.Text.Json;
using Granary.Core.Proofs;
using Granary.Testing;

namespace Granary.Cli.Tests;

/// <summary><c>granary farm</c> against dataserv-client's known answers (dataserv-kat.json).</summary>
public sealed class FarmCommandTests : IDisposable
{
    private static readonly JsonElement Kat = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "dataserv-kat.json"))).RootElement;

    private readonly TempDirectory _dir = new("granary-farm-cli");

    private static string Address => Kat.GetProperty("builder_address").GetString()!;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Build_writes_dataserv_clients_shards_byte_for_byte_and_audit_answers_over_them()
    {
        var store = _dir.File("store");
        var (exit, output, error) = await Cli.RunAsync("farm", "build", store, "--address", Address, "--max-size", "300MiB", "--json");
        Assert.True(exit == 0, error);
        var summary = JsonDocument.Parse(output).RootElement;
        Assert.Equal(2, summary.GetProperty("height").GetInt64());
        Assert.Equal([1L, 2L], summary.GetProperty("reportedHeights").EnumerateArray().Select(h => h.GetInt64()));

        var seeds = Kat.GetProperty("builder_seeds_0_to_3").EnumerateArray().Select(s => s.GetString()!).ToArray();
        Assert.Equal(seeds[..2], Directory.GetFiles(store).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!);
        var shard1 = await File.ReadAllBytesAsync(Path.Combine(store, seeds[0]));
        Assert.Equal(Kat.GetProperty("shard1_size").GetInt64(), shard1.Length);
        Assert.Equal(Kat.GetProperty("shard1_sha256").GetString(), Hex(SHA256.HashData(shard1)));
        Assert.Equal(Kat.GetProperty("shard1_first16_hex").GetString(), Hex(shard1.AsSpan(0, 16)));
        Assert.Equal(Kat.GetProperty("shard1_last16_hex").GetString(), Hex(shard1.AsSpan(shard1.Length - 16)));
        var shard2 = await File.ReadAllBytesAsync(Path.Combine(store, seeds[1]));
        Assert.Equal(Kat.GetProperty("shard2_sha256").GetString(), Hex(SHA256.HashData(shard2)));

        var audit = await Cli.RunAsync("farm", "audit", store, "-a", Address, "-c", "storj", "--json");
        Assert.True(audit.Exit == 0, audit.Error);
        var answers = new[] { shard1, shard2 }.Select(s => HeightShards.AuditShard(new MemoryStream(s), "storj"u8)).ToArray();
        var answer = JsonDocument.Parse(audit.Output).RootElement;
        Assert.Equal(answers, answer.GetProperty("shards").EnumerateArray().Select(a => a.GetString()!));
        Assert.Equal(HeightShards.FullAudit(answers), answer.GetProperty("fullAudit").GetString());
        Assert.Equal(HeightShards.FullAudit(answers[..1]) + "\n", (await Cli.RunAsync("farm", "audit", store, "-a", Address, "-c", "storj", "--height", "1")).Output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task A_folder_tree_build_nests_the_shard_as_dataserv_client_does()
    {
        var store = _dir.File("STORE");
        var (exit, _, error) = await Cli.RunAsync("farm", "build", store, "-a", Address, "--max-size", "128MiB", "--folder-tree");
        Assert.True(exit == 0, error);
        var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "proofs-of-storage-kat.json")))
            .RootElement.GetProperty("dataserv_height").GetProperty("folder_tree_path_shard1").GetString()!;
        var path = Path.Combine(_dir.Path, expected);
        Assert.True(File.Exists(path), path);
        Assert.Equal(Kat.GetProperty("shard1_sha256").GetString(), Hex(SHA256.HashData(await File.ReadAllBytesAsync(path))));
    }

    [Fact]
    public async Task Build_registers_with_a_real_hub_sets_the_height_it_reached_and_audit_has_the_hub_judge_it()
    {
        await using var database = await TestDatabase.CreateAsync(Backend.Sqlite);
        var options = new Hub.HubOptions { Port = 0, Database = database.Url, CacheSeconds = 0 };
        options.Tracker.RateLimitPerSecond = 0;
        var hubDirectory = Hub.HubDirectory.Create(_dir.File("hub"), options);
        await using var hub = await Hub.HubHost.BuildAsync(hubDirectory, new Hosting.ServerHostOptions { Port = 0, Time = TimeProvider.System, Logging = _ => { } }, new Hub.Tracker.TrackerHostOptions { Port = 0 });
        await hub.StartAsync();
        var keyFile = _dir.File("farmer.key");
        Assert.Equal(0, (await Cli.RunAsync("key", "new", "--out", keyFile)).Exit);
        using var key = Core.Identity.KeyFile.Read(keyFile);

        var (exit, output, error) = await Cli.RunAsync("farm", "build", _dir.File("store"), "--key", keyFile, "--hub", Hub.HubHost.ListeningUrl(hub).ToString(), "--max-size", "128MiB", "--json");
        Assert.True(exit == 0, error);
        Assert.Equal([1L], JsonDocument.Parse(output).RootElement.GetProperty("reportedHeights").EnumerateArray().Select(h => h.GetInt64()));
        Assert.True(File.Exists(Path.Combine(_dir.File("store"), HeightShards.FirstSeed(key.Address.ToString()))), "the key's address seeds the shards");

        using var http = new HttpClient { BaseAddress = Hub.HubHost.ListeningUrl(hub) };
        var farmers = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/online/json", UriKind.Relative))).RootElement.GetProperty("farmers").EnumerateArray().ToArray();
        var farmer = Assert.Single(farmers);
        Assert.Equal(key.Address.ToString(), farmer.GetProperty("btc_addr").GetString());
        Assert.Equal(1, farmer.GetProperty("height").GetInt32());

        // The hub audits the height it was told: the shard as built passes; a damaged one fails, with exit code 1.
        var audit = await Cli.RunAsync("farm", "audit", _dir.File("store"), "--key", keyFile, "--hub", Hub.HubHost.ListeningUrl(hub).ToString());
        Assert.True(audit.Exit == 0, audit.Error);
        Assert.Equal("height audit passed: shards 1 of 1 answered\n", audit.Output.ReplaceLineEndings("\n"));
        await File.WriteAllBytesAsync(Path.Combine(_dir.File("store"), HeightShards.FirstSeed(key.Address.ToString())), new byte[HeightShards.ShardSize]);
        var failed = await Cli.RunAsync("farm", "audit", _dir.File("store"), "--key", keyFile, "--hub", Hub.HubHost.ListeningUrl(hub).ToString(), "--json");
        Assert.Equal(GranaryCli.Failure, failed.Exit);
        Assert.False(JsonDocument.Parse(failed.Output).RootElement.GetProperty("passed").GetBoolean());
        var both = await Cli.RunAsync("farm", "audit", _dir.File("store"), "--key", keyFile, "--hub", "http://127.0.0.1:1/", "-c", "x");
        Assert.Equal(GranaryCli.Usage, both.Exit);
        var keyless = await Cli.RunAsync("farm", "audit", _dir.File("store"), "-a", Address, "--hub", "http://127.0.0.1:1/");
        Assert.Equal(GranaryCli.Usage, keyless.Exit);
        Assert.Contains("--hub needs --key", keyless.Error, StringComparison.Ordinal);

        // Without a key the hub cannot be told; an unreachable hub stops the build before it writes.
        var unsigned = await Cli.RunAsync("farm", "build", _dir.File("other"), "-a", Address, "--hub", "http://127.0.0.1:1/");
        Assert.Equal(GranaryCli.Usage, unsigned.Exit);
        Assert.Contains("--hub needs --key", unsigned.Error, StringComparison.Ordinal);
        var unreachable = await Cli.RunAsync("farm", "build", _dir.File("other"), "--key", keyFile, "--hub", "http://127.0.0.1:1/");
        Assert.Equal(GranaryCli.Failure, unreachable.Exit);
        Assert.False(Directory.Exists(_dir.File("other")));
        await hub.StopAsync();
    }

    [Theory]
    [InlineData("--address", "not-an-address", "--max-size", "1GiB", "is not a Bitcoin address")]
    [InlineData("--address", "12guBkWfVjiqBnu5yRdTseBB7wBM5WSWnn", "--max-size", "1GiB", "is not a Bitcoin address")]
    [InlineData("--address", "12guBkWfVjiqBnu5yRdTseBB7wBM5WSWnm", "--max-size", "100MiB", "holds no shard")]
    [InlineData("--address", "12guBkWfVjiqBnu5yRdTseBB7wBM5WSWnm", "--max-size", "lots", "is not a size")]
    [InlineData("--address", "12guBkWfVjiqBnu5yRdTseBB7wBM5WSWnm", "--max-size", "1.5", "not a whole number")]
    public async Task Bad_build_arguments_are_explained_and_write_nothing(string addressOption, string address, string sizeOption, string size, string message)
    {
        var store = _dir.File("store");
        var (exit, _, error) = await Cli.RunAsync("farm", "build", store, addressOption, address, sizeOption, size);
        Assert.Equal(GranaryCli.Usage, exit);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Contains("granary farm build --help", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(store));
    }

    [Fact]
    public async Task A_file_in_place_of_the_folder_a_missing_address_or_missing_shards_are_refused_cleanly()
    {
        var file = _dir.File("file");
        await File.WriteAllTextAsync(file, "x");
        var onFile = await Cli.RunAsync("farm", "build", file, "-a", Address);
        Assert.Equal(GranaryCli.Usage, onFile.Exit);
        Assert.Contains("is a file, not a folder", onFile.Error, StringComparison.Ordinal);

        var noAddress = await Cli.RunAsync("farm", "build", _dir.File("store"));
        Assert.Equal(GranaryCli.Usage, noAddress.Exit);
        Assert.Contains("--address", noAddress.Error, StringComparison.Ordinal);

        var noFolder = await Cli.RunAsync("farm", "audit", _dir.File("nowhere"), "-a", Address, "-c", "x");
        Assert.Equal(GranaryCli.Usage, noFolder.Exit);

        var empty = await Cli.RunAsync("farm", "audit", _dir.Path, "-a", Address, "-c", "x");
        Assert.Equal(GranaryCli.Failure, empty.Exit);
        Assert.Contains("no shards", empty.Error, StringComparison.Ordinal);

        var missing = await Cli.RunAsync("farm", "audit", _dir.Path, "-a", Address, "-c", "x", "--height", "4");
        Assert.Equal(GranaryCli.Failure, missing.Exit);
        Assert.Contains("shard 1 of 4", missing.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_one_gibibyte_build_writes_eight_shards_dataserv_client_would_write()
    {
        var store = _dir.File("store");
        var (exit, output, error) = await Cli.RunAsync("farm", "build", store, "-a", Address, "--json");
        Assert.True(exit == 0, error);
        var summary = JsonDocument.Parse(output).RootElement;
        Assert.Equal(8, summary.GetProperty("height").GetInt64());
        Assert.Equal(1L << 30, summary.GetProperty("bytesWritten").GetInt64());
        Assert.Equal([1L, 8L], summary.GetProperty("reportedHeights").EnumerateArray().Select(h => h.GetInt64()));

        var seeds = HeightShards.Seeds(Address, 8);
        foreach (var seed in seeds)
        {
            Assert.Equal(HeightShards.ShardSize, new FileInfo(Path.Combine(store, seed)).Length);
        }

        await using (var shard1 = File.OpenRead(Path.Combine(store, seeds[0])))
        {
            Assert.Equal(Kat.GetProperty("shard1_sha256").GetString(), Hex(await SHA256.HashDataAsync(shard1)));
        }

        await using (var shard2 = File.OpenRead(Path.Combine(store, seeds[1])))
        {
            Assert.Equal(Kat.GetProperty("shard2_sha256").GetString(), Hex(await SHA256.HashDataAsync(shard2)));
        }

        // Every shard is the RandomIO stream of its seed, the last one included.
        await using (var shard8 = File.OpenRead(Path.Combine(store, seeds[7])))
        {
            using var random = new RandomIo(seeds[7]);
            var expected = new byte[1 << 20];
            var actual = new byte[1 << 20];
            shard8.Seek(-actual.Length, SeekOrigin.End);
            await shard8.ReadExactlyAsync(actual);
            random.Read(HeightShards.ShardSize - actual.Length, expected);
            Assert.True(expected.AsSpan().SequenceEqual(actual));
        }

        var audit = await Cli.RunAsync("farm", "audit", store, "-a", Address, "-c", "storj");
        Assert.Equal(0, audit.Exit);
        Assert.Matches("^[0-9a-f]{64}$", audit.Output.Trim());
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
