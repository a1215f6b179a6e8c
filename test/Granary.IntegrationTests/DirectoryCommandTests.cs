using System.Text.Json;
using Granary.Core.Caps;
using Granary.Testing;

namespace Granary.IntegrationTests;

/// <summary>The directory commands as a user runs them, against a real grid.</summary>
public sealed class DirectoryCommandTests(SharedGrid shared) : IClassFixture<SharedGrid>
{
    private TestGrid Grid => shared.Grid;

    private async Task<string> OkAsync(params string[] args)
    {
        var result = await Grid.RunAsync(args);
        Assert.True(result.ExitCode == 0, $"granary {string.Join(' ', args)}: {result.Error}");
        return result.Output;
    }

    private async Task<string> AliasAsync()
    {
        var name = "a" + Guid.NewGuid().ToString("N")[..8];
        Assert.Contains("created", await OkAsync("alias", "create", name), StringComparison.Ordinal);
        return name;
    }

    [Fact]
    public async Task Files_and_directories_are_linked_listed_moved_and_unlinked_by_path()
    {
        var alias = await AliasAsync();
        Assert.StartsWith("URI:DIR2:", (await OkAsync("mkdir", $"{alias}:photos")).Trim(), StringComparison.Ordinal);
        var file = await Grid.WriteRandomFileAsync("photo.jpg", 200_000, 31);
        var cap = (await OkAsync("put", file, $"{alias}:photos/2026.jpg")).Trim();
        Assert.StartsWith("URI:CHK:", cap, StringComparison.Ordinal);

        Assert.Equal("photos\n", await OkAsync("ls", $"{alias}:"));
        Assert.Equal("2026.jpg\n", await OkAsync("ls", $"{alias}:photos"));
        using (var json = JsonDocument.Parse(await OkAsync("ls", "--json", $"{alias}:photos")))
        {
            Assert.Equal("dirnode", json.RootElement[0].GetString());
            var child = json.RootElement[1].GetProperty("children").GetProperty("2026.jpg");
            Assert.Equal("filenode", child[0].GetString());
            Assert.Equal(cap, child[1].GetProperty("ro_uri").GetString());
            Assert.Equal(200_000, child[1].GetProperty("size").GetInt64());
            Assert.True(child[1].GetProperty("metadata").GetProperty("tahoe").TryGetProperty("linkcrtime", out _));
        }

        await OkAsync("ln", $"{alias}:photos/2026.jpg", $"{alias}:copy.jpg");
        await OkAsync("mv", $"{alias}:photos/2026.jpg", $"{alias}:photos/renamed.jpg");
        Assert.Equal("renamed.jpg\n", await OkAsync("ls", $"{alias}:photos"));
        var back = Grid.File("photo.back");
        await OkAsync("get", $"{alias}:copy.jpg", "-o", back);
        Assert.Equal(await File.ReadAllBytesAsync(file), await File.ReadAllBytesAsync(back));

        await OkAsync("rm", $"{alias}:copy.jpg");
        Assert.Equal("photos\n", await OkAsync("ls", $"{alias}:"));
        var missing = await Grid.RunAsync("ls", $"{alias}:nothing-here");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("does not exist", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cp_r_copies_a_tree_to_the_grid_and_back_unchanged()
    {
        var alias = await AliasAsync();
        var tree = Grid.File("tree-" + alias);
        Directory.CreateDirectory(Path.Combine(tree, "sub", "deeper"));
        await File.WriteAllTextAsync(Path.Combine(tree, "top.txt"), "top");
        await File.WriteAllBytesAsync(Path.Combine(tree, "sub", "big.bin"), new byte[150_000]);
        await File.WriteAllTextAsync(Path.Combine(tree, "sub", "deeper", "ünïcödé.txt"), "names survive");
        await OkAsync("cp", "-r", tree, $"{alias}:");
        var copy = Grid.File("copy-" + alias);
        await OkAsync("cp", "-r", $"{alias}:{Path.GetFileName(tree)}", copy);
        foreach (var original in Directory.GetFiles(tree, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(tree, original);
            Assert.Equal(await File.ReadAllBytesAsync(original), await File.ReadAllBytesAsync(Path.Combine(copy, relative)));
        }

        Assert.Equal(Directory.GetFiles(tree, "*", SearchOption.AllDirectories).Length, Directory.GetFiles(copy, "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task Put_mutable_then_put_to_the_same_path_rewrites_the_file_in_place()
    {
        var alias = await AliasAsync();
        var first = Grid.File("first.txt");
        await File.WriteAllTextAsync(first, "version one");
        var cap = (await OkAsync("put", "--mutable", "--format", "mdmf", first, $"{alias}:notes.txt")).Trim();
        Assert.StartsWith("URI:MDMF:", cap, StringComparison.Ordinal);
        var second = Grid.File("second.txt");
        await File.WriteAllTextAsync(second, "version two, longer");
        Assert.Equal(cap, (await OkAsync("put", second, $"{alias}:notes.txt")).Trim());
        Assert.Equal("version two, longer", await OkAsync("get", $"{alias}:notes.txt"));
        Assert.Equal("version two, longer", await OkAsync("get", cap));
        Assert.Equal(0, (await Grid.RunAsync("check", $"{alias}:notes.txt", "--verify")).ExitCode);
    }

    [Fact]
    public async Task A_read_only_directory_cap_refuses_writes_with_a_clear_message()
    {
        var alias = await AliasAsync();
        await OkAsync("mkdir", $"{alias}:shared");
        using var json = JsonDocument.Parse(await OkAsync("ls", "--json", $"{alias}:"));
        var readOnly = json.RootElement[1].GetProperty("children").GetProperty("shared")[1].GetProperty("ro_uri").GetString()!;
        Assert.StartsWith("URI:DIR2-RO:", readOnly, StringComparison.Ordinal);
        var file = Grid.File("ro.txt");
        await File.WriteAllTextAsync(file, "x");
        var refused = await Grid.RunAsync("put", file, readOnly + "/new.txt");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("read-only", refused.Error, StringComparison.Ordinal);
        Assert.Single(refused.Error.Trim().Split('\n'));
        Assert.Equal("", (await OkAsync("ls", readOnly)).Trim());
    }

    [Fact]
    public async Task Debug_read_file_recovers_files_from_share_files_of_either_store()
    {
        var path = await Grid.WriteRandomFileAsync("recover.bin", 400_000, 32);
        var cap = await Grid.PutAsync(path);
        var chk = (ChkReadCap)Cap.Parse(cap);
        var shareFiles = Enumerable.Range(0, 10)
            .Select(share => Grid.Nodes.Select(n => TestGrid.SharePath(n, cap, share)).FirstOrDefault(p => p is not null))
            .Where(p => p is not null).Take(3).ToList();

        // Granary's own share files, as a node keeps them.
        var read = await GranaryProcess.RunAsync(["debug", "read-file", cap, .. shareFiles!]);
        Assert.True(read.ExitCode == 0, read.Error);

        // The same shares in Tahoe-LAFS storage-server containers (12-byte header, one lease after the data).
        var tahoeDir = Grid.File("tahoe-storage");
        var tahoeFiles = new List<string>();
        foreach (var file in shareFiles)
        {
            var share = await File.ReadAllBytesAsync(file!);
            var container = new byte[12 + share.Length + 72];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(container, 1);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(container.AsSpan(4), (uint)share.Length);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(container.AsSpan(8), 1);
            share.CopyTo(container, 12);
            var target = Path.Combine(tahoeDir, chk.StorageIndex.ToString()[..2], chk.StorageIndex.ToString(), Path.GetFileName(file!));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await File.WriteAllBytesAsync(target, container);
            tahoeFiles.Add(target);
        }

        var dump = await GranaryProcess.RunAsync(["debug", "dump-share", tahoeFiles[0]]);
        Assert.True(dump.ExitCode == 0, dump.Error);
        using (var json = JsonDocument.Parse(dump.Output))
        {
            Assert.Equal("tahoe-immutable-v1", json.RootElement.GetProperty("container").GetString());
            Assert.Equal("chk", json.RootElement.GetProperty("kind").GetString());
            Assert.Equal(400_000, json.RootElement.GetProperty("uri-extension").GetProperty("size").GetInt64());
            Assert.Equal(chk.VerifyCap.ToString().Split(':')[3], json.RootElement.GetProperty("uri-extension-hash").GetString());
        }

        var fromTahoe = Grid.File("from-tahoe.bin");
        var info = GranaryProcess.StartInfo(["debug", "read-file", cap, .. tahoeFiles]);
        using var process = System.Diagnostics.Process.Start(info)!;
        process.StandardInput.Close();
        await using (var output = File.Create(fromTahoe))
        {
            await process.StandardOutput.BaseStream.CopyToAsync(output);
        }

        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        Assert.Equal(await File.ReadAllBytesAsync(path), await File.ReadAllBytesAsync(fromTahoe));
    }

    [Fact]
    public async Task Debug_tools_read_mutable_shares_and_print_a_directory_listing()
    {
        var alias = await AliasAsync();
        var file = Grid.File("m.txt");
        await File.WriteAllTextAsync(file, "mutable contents");
        await OkAsync("put", "--mutable", file, $"{alias}:m.txt");
        using var aliases = JsonDocument.Parse(await OkAsync("alias", "list", "--json"));
        var dirCap = (DirectoryCap)Cap.Parse(aliases.RootElement.GetProperty(alias).GetProperty("readwrite").GetString()!);
        var index = ((MutableWriteCap)dirCap.FileCap).StorageIndex.ToString();
        var shareFiles = Grid.Nodes
            .SelectMany(n => Directory.Exists(Path.Combine(n.Dir, "mutable", index[..2], index)) ? Directory.GetFiles(Path.Combine(n.Dir, "mutable", index[..2], index)) : [])
            .Where(f => int.TryParse(Path.GetFileName(f), out _)).DistinctBy(Path.GetFileName).ToList();

        var dump = await GranaryProcess.RunAsync(["debug", "dump-share", shareFiles[0]]);
        Assert.True(dump.ExitCode == 0, dump.Error);
        using (var json = JsonDocument.Parse(dump.Output))
        {
            Assert.Equal("sdmf", json.RootElement.GetProperty("kind").GetString());
            Assert.True(json.RootElement.GetProperty("seqnum").GetInt64() >= 2);
        }

        var listing = await GranaryProcess.RunAsync(["debug", "read-file", dirCap.ToString(), .. shareFiles]);
        Assert.True(listing.ExitCode == 0, listing.Error);
        using (var ls = JsonDocument.Parse(listing.Output))
        {
            Assert.True(ls.RootElement[1].GetProperty("children").TryGetProperty("m.txt", out _));
        }

        // The same shares in Tahoe-LAFS mutable containers (schema 2).
        var tahoeFiles = new List<string>();
        foreach (var shareFile in shareFiles)
        {
            var empty = Core.Mutable.MutableContainer.Parse(Core.Mutable.MutableContainer.CreateEmpty(new byte[20], new byte[32]));
            var container = empty.ApplyWrites([(0, await File.ReadAllBytesAsync(shareFile))], null);
            var target = Path.Combine(Grid.File("tahoe-mutable-" + alias), Path.GetFileName(shareFile));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await File.WriteAllBytesAsync(target, container);
            tahoeFiles.Add(target);
        }

        var tahoeDump = await GranaryProcess.RunAsync(["debug", "dump-share", tahoeFiles[0]]);
        Assert.Contains("tahoe-mutable-v2", tahoeDump.Output, StringComparison.Ordinal);
        var fromTahoe = await GranaryProcess.RunAsync(["debug", "read-file", dirCap.ToString(), .. tahoeFiles]);
        Assert.True(fromTahoe.ExitCode == 0, fromTahoe.Error);
        Assert.Equal(listing.Output, fromTahoe.Output);
    }
}
