using System.Text.Json;
using System.Text.Json.Nodes;
using Granary.Core.Caps;

namespace Granary.IntegrationTests;

/// <summary><c>granary deep-check</c> and <c>granary check --add-lease</c> as a user runs them, against a real grid whose share files the tests damage.</summary>
public sealed class DeepCheckCommandTests(SharedGrid shared) : IClassFixture<SharedGrid>
{
    private TestGrid Grid => shared.Grid;

    private async Task<string> OkAsync(params string[] args)
    {
        var result = await Grid.RunAsync(args);
        Assert.True(result.ExitCode == 0, $"granary {string.Join(' ', args)}: {result.Output}{result.Error}");
        return result.Output;
    }

    // A tree: root { tiny.txt (literal), notes.txt (mutable), sub { big.bin (immutable), loop -> root } }.
    private async Task<(string Alias, string Big, string Notes)> TreeAsync()
    {
        var alias = "d" + Guid.NewGuid().ToString("N")[..8];
        await OkAsync("alias", "create", alias);
        await OkAsync("mkdir", $"{alias}:sub");
        var big = (await OkAsync("put", await Grid.WriteRandomFileAsync(alias + ".bin", 300_000, 7), $"{alias}:sub/big.bin")).Trim();
        var notes = Grid.File(alias + ".txt");
        await File.WriteAllTextAsync(notes, new string('n', 2000));
        var mutable = (await OkAsync("put", "--mutable", notes, $"{alias}:notes.txt")).Trim();
        var tiny = Grid.File(alias + ".tiny");
        await File.WriteAllTextAsync(tiny, "tiny");
        await OkAsync("put", tiny, $"{alias}:tiny.txt");
        await OkAsync("ln", $"{alias}:", $"{alias}:sub/loop");
        return (alias, big, mutable);
    }

    private IEnumerable<string> ShareFiles(string cap, Func<int, bool> which)
    {
        var parsed = Cap.Parse(cap);
        Assert.True(parsed.TryGetStorageIndex(out var index));
        var si = index.ToString();
        var store = parsed is ChkReadCap ? "shares" : "mutable";
        foreach (var node in Grid.Nodes)
        {
            var bucket = Path.Combine(node.Dir, store, si[..2], si);
            if (!Directory.Exists(bucket))
            {
                continue;
            }

            foreach (var file in Directory.GetFiles(bucket))
            {
                if (int.TryParse(Path.GetFileName(file), out var share) && which(share))
                {
                    yield return file;
                }
            }
        }
    }

    private IEnumerable<string> LeaseFiles(string cap) =>
        ShareFiles(cap, _ => true).Select(f => Path.Combine(Path.GetDirectoryName(f)!, "leases")).Distinct();

    private static long LatestExpiry(string leaseFile) =>
        JsonNode.Parse(File.ReadAllText(leaseFile))!["leases"]!.AsArray().Max(l => (long)l!["expires"]!);

    // As if the leases were taken 30 days ago: each runs out a day from now.
    private static void AgeLeases(string leaseFile)
    {
        var json = JsonNode.Parse(File.ReadAllText(leaseFile))!;
        var soon = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds();
        foreach (var lease in json["leases"]!.AsArray())
        {
            lease!["expires"] = soon;
        }

        File.WriteAllText(leaseFile, json.ToJsonString());
    }

    [Fact]
    public async Task Deep_check_walks_a_tree_once_through_a_cycle_and_repairs_a_file_missing_a_share()
    {
        var (alias, big, _) = await TreeAsync();
        using (var json = JsonDocument.Parse(await OkAsync("deep-check", "--json", $"{alias}:")))
        {
            var entries = json.RootElement.GetProperty("entries").EnumerateArray().ToList();
            Assert.Equal(
                ["/directory", "notes.txt/mutable", "tiny.txt/literal", "sub/directory", "sub/big.bin/immutable"],
                entries.Select(e => string.Join('/', e.GetProperty("path").EnumerateArray().Select(p => p.GetString())) + "/" + e.GetProperty("kind").GetString()));
            Assert.All(entries, e => Assert.True(e.GetProperty("healthy").GetBoolean()));
            var totals = json.RootElement.GetProperty("totals");
            Assert.Equal(5, totals.GetProperty("objectsChecked").GetInt32());
            Assert.Equal(5, totals.GetProperty("healthy").GetInt32());
            Assert.Equal(0, totals.GetProperty("unrecoverable").GetInt32());
            Assert.True(json.RootElement.GetProperty("succeeded").GetBoolean());
            var bigEntry = entries[4];
            Assert.Equal(((ChkReadCap)Cap.Parse(big)).StorageIndex.ToString(), bigEntry.GetProperty("storageIndex").GetString());
            Assert.Equal(((ChkReadCap)Cap.Parse(big)).N, bigEntry.GetProperty("check").GetProperty("goodShares").GetInt32());
        }

        var removed = ShareFiles(big, share => share == 0).ToList();
        Assert.NotEmpty(removed);
        removed.ForEach(File.Delete);

        var unhealthy = await OkAsync("deep-check", $"{alias}:");
        Assert.Contains("'sub/big.bin' immutable: not healthy but recoverable", unhealthy, StringComparison.Ordinal);
        Assert.Contains("4 healthy, 1 unhealthy, 0 unrecoverable", unhealthy, StringComparison.Ordinal);

        var repaired = await OkAsync("deep-check", "--repair", $"{alias}:");
        Assert.Contains("1 repairs attempted, 1 successful, 0 unsuccessful", repaired, StringComparison.Ordinal);
        Assert.Contains("post-repair: 5 healthy, 0 unhealthy", repaired, StringComparison.Ordinal);
        Assert.NotEmpty(ShareFiles(big, share => share == 0));
        Assert.Contains("0 unhealthy", await OkAsync("deep-check", "--verify", $"{alias}:"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deep_check_fails_when_a_file_is_unrecoverable_and_repair_cannot_help()
    {
        var (alias, big, _) = await TreeAsync();
        var cap = (ChkReadCap)Cap.Parse(big);
        ShareFiles(big, share => share <= cap.N - cap.K).ToList().ForEach(File.Delete);

        var result = await Grid.RunAsync("deep-check", "--repair", "--json", $"{alias}:");
        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        var totals = json.RootElement.GetProperty("totals");
        Assert.Equal(1, totals.GetProperty("unrecoverable").GetInt32());
        Assert.Equal(0, totals.GetProperty("repairsAttempted").GetInt32());
        Assert.Equal(4, totals.GetProperty("healthyAfterRepair").GetInt32());
        Assert.False(json.RootElement.GetProperty("succeeded").GetBoolean());
        var entry = json.RootElement.GetProperty("entries").EnumerateArray().Single(e => !e.GetProperty("recoverable").GetBoolean());
        Assert.Equal("big.bin", entry.GetProperty("path")[1].GetString());
        Assert.StartsWith("unrecoverable", entry.GetProperty("check").GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_that_cannot_be_listed_is_reported_and_the_walk_goes_on()
    {
        var (alias, _, _) = await TreeAsync();
        using (var listing = JsonDocument.Parse(await OkAsync("ls", "--json", $"{alias}:")))
        {
            var sub = listing.RootElement[1].GetProperty("children").GetProperty("sub")[1].GetProperty("rw_uri").GetString()!;
            var file = ((DirectoryCap)Cap.Parse(sub)).FileCap.ToString();
            var shares = ShareFiles(file, _ => true).ToList();
            Assert.NotEmpty(shares);
            shares.ForEach(File.Delete);
        }

        var result = await Grid.RunAsync("deep-check", "--json", $"{alias}:");
        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        var entries = json.RootElement.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["", "notes.txt", "tiny.txt", "sub"], entries.Select(e => string.Join('/', e.GetProperty("path").EnumerateArray().Select(p => p.GetString()))));
        var lost = entries[3];
        Assert.False(lost.GetProperty("recoverable").GetBoolean());
        Assert.StartsWith("could not list the directory", lost.GetProperty("problem").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, json.RootElement.GetProperty("totals").GetProperty("healthy").GetInt32());
        Assert.Equal(1, json.RootElement.GetProperty("totals").GetProperty("unrecoverable").GetInt32());
    }

    [Fact]
    public async Task Add_lease_renews_the_uploaders_lease_on_immutable_and_mutable_shares()
    {
        var (alias, big, notes) = await TreeAsync();
        var bigLeases = LeaseFiles(big).ToList();
        var notesLeases = LeaseFiles(notes).ToList();
        Assert.NotEmpty(bigLeases);
        Assert.NotEmpty(notesLeases);
        var start = DateTimeOffset.UtcNow;
        var leaseCounts = bigLeases.ToDictionary(file => file, file => JsonNode.Parse(File.ReadAllText(file))!["leases"]!.AsArray().Count);
        foreach (var file in bigLeases.Concat(notesLeases))
        {
            AgeLeases(file);
        }

        using (var check = JsonDocument.Parse(await OkAsync("check", "--add-lease", "--json", big)))
        {
            Assert.Equal(bigLeases.Count, check.RootElement.GetProperty("leasesRenewed").GetInt32());
        }

        Assert.All(bigLeases, file => Assert.True(LatestExpiry(file) >= start.AddDays(30).ToUnixTimeSeconds(), $"{file} was not renewed"));
        Assert.All(notesLeases, file => Assert.True(LatestExpiry(file) < start.AddDays(2).ToUnixTimeSeconds(), $"{file} was renewed by a check of another file"));

        // The renewal extends the uploader's own lease (the same secrets), not a second one (the hub that keeps the file holds its own).
        Assert.All(bigLeases, file => Assert.Equal(leaseCounts[file], JsonNode.Parse(File.ReadAllText(file))!["leases"]!.AsArray().Count));

        var text = await OkAsync("check", "--add-lease", notes);
        Assert.Contains($"leases: added or renewed on {notesLeases.Count} servers", text, StringComparison.Ordinal);
        Assert.All(notesLeases, file => Assert.True(LatestExpiry(file) >= start.AddDays(30).ToUnixTimeSeconds(), $"{file} was not renewed"));

        using var deep = JsonDocument.Parse(await OkAsync("deep-check", "--add-lease", "--json", $"{alias}:"));
        var entries = deep.RootElement.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(0, entries.Single(e => e.GetProperty("kind").GetString() == "literal").GetProperty("leasesRenewed").GetInt32());
        Assert.All(entries.Where(e => e.GetProperty("kind").GetString() != "literal"), e => Assert.True(e.GetProperty("leasesRenewed").GetInt32() > 0));
        Assert.Equal(entries.Sum(e => e.GetProperty("leasesRenewed").GetInt32()), deep.RootElement.GetProperty("totals").GetProperty("leasesRenewed").GetInt32());
    }
}
