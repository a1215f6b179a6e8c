using Granary.Client;
using Granary.Client.Mutable;
using Granary.Client.Nodes;
using Granary.Core.Caps;
using Granary.Core.Mutable;

namespace Granary.IntegrationTests;

/// <summary>One grid for the mutable-file tests that leave it whole.</summary>
public sealed class MutableGrid : IAsyncLifetime
{
    internal TestGrid Grid { get; private set; } = null!;

    internal GranaryClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Grid = await TestGrid.StartAsync();
        Client = await GranaryClientBuilder.FromDirectory(ClientDirectory.Open(Grid.ClientDir)).BuildAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await Grid.DisposeAsync();
}

/// <summary>Mutable files through the client library against a real grid of node processes.</summary>
public sealed class MutableFileTests(MutableGrid shared) : IClassFixture<MutableGrid>
{
    private GranaryClient Client => shared.Client;

    private static byte[] Random(int size, int seed)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        return data;
    }

    private async Task<MutableFileNode> CreateAsync(MutableFormat format, byte[] content)
    {
        using var stream = new MemoryStream(content);
        return await Client.Nodes.CreateMutableFileAsync(format, stream, content.Length, null, null, CancellationToken.None);
    }

    private static async Task<byte[]> ReadAsync(IFileNode node, long? from = null, long? to = null)
    {
        using var output = new MemoryStream();
        await node.ReadAsync(output, from, to, null, CancellationToken.None);
        return output.ToArray();
    }

    [Theory]
    [InlineData(MutableFormat.Sdmf, 0)]
    [InlineData(MutableFormat.Sdmf, 1)]
    [InlineData(MutableFormat.Sdmf, 56)]
    [InlineData(MutableFormat.Sdmf, 300_000)]
    [InlineData(MutableFormat.Mdmf, 0)]
    [InlineData(MutableFormat.Mdmf, 1)]
    [InlineData(MutableFormat.Mdmf, 131_073)]
    [InlineData(MutableFormat.Mdmf, 131_074)]
    [InlineData(MutableFormat.Mdmf, 3 * 131_073 - 1)]
    [InlineData(MutableFormat.Mdmf, 9 << 20)]
    public async Task Mutable_files_round_trip_and_can_be_read_by_a_fresh_node_from_their_cap(MutableFormat format, int size)
    {
        var content = Random(size, size);
        var node = await CreateAsync(format, content);
        Assert.StartsWith(format == MutableFormat.Sdmf ? "URI:SSK:" : "URI:MDMF:", node.Cap.ToString(), StringComparison.Ordinal);
        var reader = (MutableFileNode)Client.Nodes.Create(Cap.Parse(node.ReadCap.ToString()));
        Assert.True(reader.IsReadOnly);
        Assert.Equal(content, await ReadAsync(reader));
        Assert.Equal(size, await reader.GetSizeAsync(CancellationToken.None));
        if (size > 10)
        {
            Assert.Equal(content[3..(size - 2)], await ReadAsync(reader, 3, size - 3));
        }
    }

    [Fact]
    public async Task An_overwrite_publishes_a_newer_version_that_readers_see()
    {
        var node = await CreateAsync(MutableFormat.Mdmf, Random(200_000, 1));
        var second = Random(500_000, 2);
        using (var stream = new MemoryStream(second))
        {
            await node.OverwriteAsync(stream, second.Length, null, CancellationToken.None);
        }

        Assert.Equal(second, await ReadAsync(node));
        var report = await node.CheckAsync(verify: true, null, CancellationToken.None);
        Assert.True(report.Healthy, report.Summary);
        Assert.DoesNotContain(report.Holdings, h => h.State == Granary.Client.Maintenance.ShareState.OtherVersion);
    }

    [Fact]
    public async Task An_mdmf_in_place_write_sends_only_the_segments_it_touches()
    {
        var content = Random(2 << 20, 3);
        var node = await CreateAsync(MutableFormat.Mdmf, content);
        var patch = Random(1000, 4);
        var sent = await node.WriteAtAsync(1_000_000, patch, CancellationToken.None);
        patch.CopyTo(content, 1_000_000);
        Assert.Equal(content, await ReadAsync(node));

        // 1000 bytes at 1,000,000 touch one or two 131,073-byte segments: at most two segments' share data for n shares.
        Assert.True(sent <= 2L * (131_073 / 3 + 16) * 10, $"sent {sent} bytes of share data");

        var appended = Random(300_000, 5);
        await node.WriteAtAsync(content.Length, appended, CancellationToken.None);
        Assert.Equal(content.Concat(appended).ToArray(), await ReadAsync(node));
        Assert.True((await node.CheckAsync(verify: true, null, CancellationToken.None)).Healthy);
    }

    [Fact]
    public async Task An_sdmf_write_at_an_offset_republishes_the_whole_file()
    {
        var content = Random(5000, 6);
        var node = await CreateAsync(MutableFormat.Sdmf, content);
        await node.WriteAtAsync(4990, Random(20, 7), CancellationToken.None);
        var expected = content[..4990].Concat(Random(20, 7)).ToArray();
        Assert.Equal(expected, await ReadAsync(node));
    }

    [Fact]
    public async Task A_read_only_cap_never_writes()
    {
        var node = await CreateAsync(MutableFormat.Sdmf, Random(100, 8));
        var reader = (MutableFileNode)Client.Nodes.Create(node.ReadCap);
        using var stream = new MemoryStream(new byte[10]);
        await Assert.ThrowsAsync<ReadOnlyException>(() => reader.OverwriteAsync(stream, 10, null, CancellationToken.None));
        await Assert.ThrowsAsync<ReadOnlyException>(() => reader.WriteAtAsync(0, new byte[1], CancellationToken.None));
        Assert.Equal(Random(100, 8), await ReadAsync(node));
    }

    [Fact]
    public async Task Two_writers_racing_on_one_file_one_wins_and_the_other_hears_of_the_collision()
    {
        var node = await CreateAsync(MutableFormat.Sdmf, Random(1000, 9));
        var cap = node.WriteCap!;
        var index = cap.StorageIndex;

        // Both writers read the file as it is, then both publish a next version.
        var mapA = await ServerMap.UpdateAsync(Client, index, cap.Fingerprint.ToArray(), CancellationToken.None);
        var mapB = await ServerMap.UpdateAsync(Client, index, cap.Fingerprint.ToArray(), CancellationToken.None);
        using var key = await mapA.RecoverSigningKeyAsync(Client, cap, CancellationToken.None);
        var a = Random(1000, 10);
        var b = Random(1000, 11);
        using (var content = new MemoryStream(a))
        {
            await new MutablePublisher(Client, cap, key).PublishAsync(mapA, 3, 10, content, a.Length, mapA.Versions.NextSeqnum, null, CancellationToken.None);
        }

        using (var content = new MemoryStream(b))
        {
            await Assert.ThrowsAsync<UncoordinatedWriteException>(() =>
                new MutablePublisher(Client, cap, key).PublishAsync(mapB, 3, 10, content, b.Length, mapB.Versions.NextSeqnum, null, CancellationToken.None));
        }

        // The winner's version is what readers see, whole.
        Assert.Equal(a, await ReadAsync(node));
    }

    [Fact]
    public async Task Concurrent_directory_changes_retry_after_collisions_and_none_is_lost()
    {
        var directory = await Client.Nodes.CreateDirectoryAsync(MutableFormat.Sdmf, [], CancellationToken.None);
        var file = new LiteralCap("x"u8);

        // Each change is idempotent, as directory changes are, so a writer that collided can apply it again.
        await Task.WhenAll(Enumerable.Range(0, 3).Select(i => directory.SetChildAsync($"child-{i}", file, null, overwrite: true, CancellationToken.None)));
        var names = (await directory.ListAsync(CancellationToken.None)).Children.Select(c => c.Name).ToList();
        Assert.Equal(["child-0", "child-1", "child-2"], names);
    }
}

/// <summary>Mutable files when nodes go away.</summary>
public sealed class MutableFailureTests
{
    [Fact]
    public async Task A_mutable_file_is_read_from_any_k_nodes()
    {
        await using var grid = await TestGrid.StartAsync();
        var client = await GranaryClientBuilder.FromDirectory(ClientDirectory.Open(grid.ClientDir)).BuildAsync(CancellationToken.None);
        var content = new byte[700_000];
        new Random(12).NextBytes(content);
        using var stream = new MemoryStream(content);
        var node = await client.Nodes.CreateMutableFileAsync(MutableFormat.Mdmf, stream, content.Length, null, null, CancellationToken.None);
        foreach (var victim in grid.Nodes.Take(7))
        {
            grid.Kill(victim);
        }

        using var output = new MemoryStream();
        await node.ReadAsync(output, null, null, null, CancellationToken.None);
        Assert.Equal(content, output.ToArray());
    }
}
