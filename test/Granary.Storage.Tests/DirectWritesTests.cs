using Granary.Core.Files;

namespace Granary.Storage.Tests;

/// <summary>
/// Uploads whose whole pages go to disk with O_DIRECT and whose unaligned ends go through the page
/// cache: every byte lands, and comes back, where it belongs, whatever the order, size and alignment.
/// </summary>
public sealed class DirectWritesTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("granary-direct-");

    public void Dispose() => _dir.Delete(recursive: true);

    // Pieces of a share as a client or a retry might send them: tiny, straddling a page, inside one page,
    // longer than the writer's 1 MiB chunk, ending exactly on a page, overlapping what is already there.
    private static List<(long Offset, int Length)> Pieces(long size, Random random)
    {
        var cuts = new SortedSet<long> { 0, size, 4096, 4096 * 3, (1 << 20) + 4096, 3 << 20 };
        while (cuts.Count < 40)
        {
            cuts.Add(random.NextInt64(1, size));
        }

        var bounds = cuts.Where(c => c <= size).ToArray();
        var pieces = bounds.Zip(bounds.Skip(1), (a, b) => (a, (int)(b - a))).ToList();
        pieces.Add((4000, 10_000)); // again, over bytes already written
        return [.. pieces.OrderBy(_ => random.Next())];
    }

    [Fact]
    public void Pieces_written_in_any_order_and_alignment_make_exactly_the_share()
    {
        var random = new Random(17);
        var data = new byte[(5 << 20) + 1234];
        random.NextBytes(data);
        var path = Path.Combine(_dir.FullName, "share");
        using (var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite))
        using (var direct = DirectWrites.TryOpen(path))
        {
            // Where the file system takes O_DIRECT (every disk file system; not tmpfs) it is used.
            if (new DriveInfo(_dir.FullName).DriveFormat != "tmpfs" && OperatingSystem.IsLinux())
            {
                Assert.NotNull(direct);
            }

            foreach (var (offset, length) in Pieces(data.Length, random))
            {
                if (direct is null)
                {
                    RandomAccess.Write(handle, data.AsSpan((int)offset, length), offset);
                }
                else
                {
                    direct.Write(handle, data.AsSpan((int)offset, length), offset);
                }
            }

            RandomAccess.FlushToDisk(handle);
        }

        Assert.Equal(data, File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_node_stores_a_share_sent_in_unaligned_out_of_order_writes_and_reads_it_back_byte_for_byte(bool directWrites)
    {
        await using var node = await TestNode.StartAsync(o => o.DirectWrites = directWrites);
        var random = new Random(directWrites ? 1 : 2);
        var data = new byte[(3 << 20) + 77];
        random.NextBytes(data);
        var index = TestNode.RandomIndex();
        var (upload, renew, cancel) = (Secrets.New(), Secrets.New(), Secrets.New());
        await node.Client.AllocateAsync(index, [5], data.Length, upload, renew, cancel, CancellationToken.None);
        await Task.WhenAll(Pieces(data.Length, random).Select(p =>
            node.Client.WriteAsync(index, 5, p.Offset, data.AsMemory((int)p.Offset, p.Length), upload, CancellationToken.None)));

        var back = new byte[data.Length];
        Assert.Equal(data.Length, await node.Client.ReadAsync(index, 5, 0, back, CancellationToken.None));
        Assert.Equal(data, back);

        // Ranges as a download asks for them: unaligned, across 1 MiB chunks, up to the last byte, and one past the end that comes back short.
        foreach (var (offset, length) in new[] { (12_345L, 700_000), (4096L, 1 << 20), (data.Length - 300_001L, 300_001), (data.Length - 262_144L, 400_000) })
        {
            var range = new byte[length];
            var got = await node.Client.ReadAsync(index, 5, offset, range, CancellationToken.None);
            Assert.Equal((int)Math.Min(length, data.Length - offset), got);
            Assert.True(data.AsSpan((int)offset, got).SequenceEqual(range.AsSpan(0, got)), $"bytes {offset}+{got}");
        }

        // Write-once still holds: different bytes over a stored page are refused, the share unchanged.
        var other = data.AsSpan(8192, 4096).ToArray();
        other[0] ^= 1;
        await Assert.ThrowsAsync<Granary.Client.Storage.StorageException>(() => node.Client.WriteAsync(index, 5, 8192, other, upload, CancellationToken.None));
        Assert.Equal(data.Length, await node.Client.ReadAsync(index, 5, 0, back, CancellationToken.None));
        Assert.Equal(data, back);
    }
}
