using Granary.Client.Download;

namespace Granary.Client.Tests;

/// <summary>
/// A download's output file, its whole mebibytes written past the page cache where the file system
/// allows it: whatever the sizes of the writes, the file holds exactly the bytes written, in order.
/// </summary>
public sealed class DirectFileStreamTests : IDisposable
{
    private readonly List<string> _dirs = [];

    public void Dispose()
    {
        foreach (var dir in _dirs)
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public static TheoryData<string, bool> Places() => new()
    {
        // A disk file system takes O_DIRECT; tmpfs refuses it, and every byte goes through the page cache.
        { "disk", false },
        { "disk", true },
        { "tmpfs", false },
        { "tmpfs", true },
    };

    [Theory]
    [MemberData(nameof(Places))]
    public async Task Writes_of_any_size_make_exactly_the_file(string place, bool asynchronous)
    {
        var random = new Random(place.Length * 2 + (asynchronous ? 1 : 0));
        var data = new byte[(5 << 20) + 1234];
        random.NextBytes(data);
        var path = Path.Combine(Dir(place), "out");
        var stream = new DirectFileStream(path);
        await using (stream)
        {
            for (var at = 0; at < data.Length;)
            {
                // Tiny, page-sized, a whole piece and more, and a flush now and then (which leaves the next piece unaligned).
                var length = Math.Min(data.Length - at, random.Next(4) switch { 0 => random.Next(1, 100), 1 => 4096, 2 => 1 << 20, _ => random.Next(1, 3 << 20) });
                if (asynchronous)
                {
                    await stream.WriteAsync(data.AsMemory(at, length));
                }
                else
                {
                    stream.Write(data, at, length);
                }

                at += length;
                Assert.Equal(at, stream.Position);
                if (random.Next(8) == 0)
                {
                    stream.Flush();
                }
            }
        }

        Assert.Equal(data, await File.ReadAllBytesAsync(path));
    }

    [Theory]
    [InlineData("disk", 0)]
    [InlineData("disk", 1 << 20)]
    [InlineData("disk", 2 << 20)]
    [InlineData("tmpfs", 1 << 20)]
    public void A_file_of_whole_pieces_or_none_ends_where_its_bytes_end(string place, int size)
    {
        var data = new byte[size];
        new Random(size).NextBytes(data);
        var path = Path.Combine(Dir(place), "out");
        File.WriteAllText(path, new string('x', 3 << 20)); // an older, longer file is replaced, not overwritten in part
        using (var stream = new DirectFileStream(path))
        {
            stream.Write(data);
        }

        Assert.Equal(data, File.ReadAllBytes(path));
    }

    private string Dir(string place)
    {
        var root = place == "tmpfs" && Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var dir = Path.Combine(root, "granary-direct-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        _dirs.Add(dir);
        return dir;
    }
}
