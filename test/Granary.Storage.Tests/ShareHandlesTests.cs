using Granary.Storage.Shares;
using Granary.Testing;

namespace Granary.Storage.Tests;

/// <summary>
/// The kept read handles of complete shares: one per file for every reader, closed only when no
/// reader holds it, never handed out for a file deleted or replaced through the store, bounded in
/// number and in age.
/// </summary>
public sealed class ShareHandlesTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("granary-handles-");
    private readonly ManualTimeProvider _clock = new();

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Readers_of_one_file_share_one_handle()
    {
        using var handles = new ShareHandles(_clock);
        var path = Write("a", [1, 2, 3]);

        using var first = handles.Rent(path);
        using var second = handles.Rent(path);

        Assert.Same(first.Handle, second.Handle);
        Assert.Equal(1, handles.Count);
    }

    [Fact]
    public void A_forgotten_handle_stays_open_for_its_readers_then_closes_and_the_next_reader_gets_the_new_file()
    {
        using var handles = new ShareHandles(_clock);
        var path = Write("a", [1, 2, 3]);
        var reader = handles.Rent(path);
        var old = reader.Handle;

        // What the store does when an upload replaces a share: a new file renamed over the path.
        File.Move(Write("b", [7, 8, 9]), path, overwrite: true);
        handles.Forget(path);

        Assert.False(old.IsClosed);
        Assert.Equal(1, Read(old)); // the reader still reads the file it opened
        reader.Dispose();
        Assert.True(old.IsClosed);

        using var next = handles.Rent(path);
        Assert.Equal(7, Read(next.Handle));
        reader.Dispose(); // a second dispose returns nothing twice
        Assert.False(next.Handle.IsClosed);
    }

    [Fact]
    public void Past_the_capacity_the_least_recently_used_handle_is_dropped()
    {
        using var handles = new ShareHandles(_clock);
        var paths = Enumerable.Range(0, ShareHandles.Capacity + 1).Select(i => Write($"s{i}", [(byte)i])).ToArray();
        var kept = new List<Microsoft.Win32.SafeHandles.SafeFileHandle>();
        foreach (var path in paths[..ShareHandles.Capacity])
        {
            using var lease = handles.Rent(path);
            kept.Add(lease.Handle);
        }

        using (handles.Rent(paths[0]))
        {
            // paths[0] is now the most recently used; paths[1] the least.
        }

        using var last = handles.Rent(paths[^1]);

        Assert.Equal(ShareHandles.Capacity, handles.Count);
        Assert.True(kept[1].IsClosed);
        Assert.False(kept[0].IsClosed);
        Assert.False(kept[2].IsClosed);
    }

    [Fact]
    public void A_handle_older_than_the_maximum_age_is_opened_again()
    {
        using var handles = new ShareHandles(_clock);
        var path = Write("a", [1]);
        Microsoft.Win32.SafeHandles.SafeFileHandle first;
        using (var lease = handles.Rent(path))
        {
            first = lease.Handle;
        }

        // Someone else restores the file from a backup, renaming a copy over it.
        File.Move(Write("b", [2]), path, overwrite: true);
        _clock.Advance(ShareHandles.MaxAge - TimeSpan.FromSeconds(1));
        using (var lease = handles.Rent(path))
        {
            Assert.Same(first, lease.Handle);
        }

        _clock.Advance(TimeSpan.FromSeconds(1));
        using var fresh = handles.Rent(path);
        Assert.NotSame(first, fresh.Handle);
        Assert.True(first.IsClosed);
        Assert.Equal(2, Read(fresh.Handle));
    }

    [Fact]
    public void Disposing_closes_every_idle_handle_and_a_missing_file_is_an_error_that_keeps_nothing()
    {
        var handles = new ShareHandles(_clock);
        var lease = handles.Rent(Write("a", [1]));
        var handle = lease.Handle;
        lease.Dispose();

        Assert.Throws<FileNotFoundException>(() => handles.Rent(Path.Combine(_dir.FullName, "missing")));
        Assert.Equal(1, handles.Count);
        handles.Dispose();
        Assert.True(handle.IsClosed);
        Assert.Equal(0, handles.Count);
    }

    [Fact]
    public async Task Readers_racing_replacements_and_evictions_always_read_a_whole_open_file()
    {
        // Few handles kept, so evictions happen too; each file holds one repeated byte, so a read sees a whole version.
        var handles = new ShareHandles(_clock);
        var paths = Enumerable.Range(0, ShareHandles.Capacity + 8).Select(i => Write($"s{i}", Enumerable.Repeat((byte)1, 4096).ToArray())).ToArray();
        var leased = new System.Collections.Concurrent.ConcurrentBag<Microsoft.Win32.SafeHandles.SafeFileHandle>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        // Threads of their own: on two cores the thread pool would start some of them late.
        static Task<T> OnThread<T>(Func<T> work) => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var readers = Enumerable.Range(0, 3).Select(r => OnThread(() =>
        {
            var random = new Random(r);
            var page = new byte[4096];
            var reads = 0;
            while (!stop.IsCancellationRequested)
            {
                using var lease = handles.Rent(paths[random.Next(paths.Length)]);
                leased.Add(lease.Handle);
                Assert.Equal(4096, RandomAccess.Read(lease.Handle, page, 0));
                Assert.True(page.AsSpan().IndexOfAnyExcept(page[0]) < 0, "a read saw two versions of a file");
                reads++;
            }

            return reads;
        })).ToArray();
        var replacer = OnThread(() =>
        {
            var random = new Random(99);
            for (var version = 2; !stop.IsCancellationRequested; version++)
            {
                var path = paths[random.Next(8)];
                File.Move(Write($"next-{version}", Enumerable.Repeat((byte)version, 4096).ToArray()), path, overwrite: true);
                handles.Forget(path);
            }

            return 0;
        });

        Assert.All(await Task.WhenAll(readers), reads => Assert.True(reads > 100, $"only {reads} reads"));
        await replacer;
        handles.Dispose();
        Assert.All(leased, handle => Assert.True(handle.IsClosed));
    }

    private static int Read(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        var one = new byte[1];
        return RandomAccess.Read(handle, one, 0) == 1 ? one[0] : -1;
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
