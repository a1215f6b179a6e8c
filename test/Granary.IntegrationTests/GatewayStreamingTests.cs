using System.Globalization;
using System.Net;
using System.Security.Cryptography;

namespace Granary.IntegrationTests;

/// <summary>A grid with room for a 4 GiB file, for the streaming tests.</summary>
public sealed class LargeGatewayFixture : IAsyncLifetime
{
    internal TestGrid Grid { get; private set; } = null!;

    internal GatewayClient Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Grid = await TestGrid.StartAsync(capacity: "4GiB");
        Gateway = new GatewayClient(new Uri(Grid.Gateway.Url));
    }

    public async Task DisposeAsync()
    {
        Gateway.Dispose();
        await Grid.DisposeAsync();
    }
}

/// <summary>Uploads and downloads go through the gateway in bounded memory, and a range fetches only what it needs.</summary>
[Trait("Category", "Slow")]
public sealed class GatewayStreamingTests(LargeGatewayFixture shared) : IClassFixture<LargeGatewayFixture>
{
    private const long MiB = 1 << 20;

    [Fact]
    public async Task Four_gib_go_up_and_down_through_the_gateway_with_its_memory_under_256_mib_and_no_spool_file()
    {
        const long size = 4L << 30;
        using var http = new HttpClient { BaseAddress = shared.Gateway.BaseAddress, Timeout = TimeSpan.FromMinutes(20) };
        var content = new PatternStream(size, seed: 1);
        using var body = new StreamContent(content, 1 << 20);
        body.Headers.ContentLength = size;
        var watching = WatchForSpoolFilesAsync(shared.Grid.Gateway.Pid, out var stop);
        using var put = await http.PutAsync("uri?convergence=false", body);
        stop.Cancel();
        var cap = await put.Content.ReadAsStringAsync();
        Assert.True(put.StatusCode == HttpStatusCode.OK, cap);
        Assert.Empty(await watching); // a streamed upload writes no temporary file
        var sent = content.Hash();

        using var get = await http.GetAsync(GatewayClient.Path(cap), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(size, get.Content.Headers.ContentLength);
        await using var stream = await get.Content.ReadAsStreamAsync();
        var received = await SHA256.HashDataAsync(stream);
        Assert.Equal(sent, received);

        var peak = PeakMemory(shared.Grid.Gateway.Pid);
        Assert.True(peak < 256 * MiB, $"the gateway's peak resident memory was {peak / MiB} MiB");
    }

    [Fact]
    public async Task A_one_mib_range_from_the_middle_of_a_gib_file_reads_about_that_much_from_the_nodes()
    {
        const long size = 1L << 30;
        using var http = new HttpClient { BaseAddress = shared.Gateway.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
        var content = new PatternStream(size, seed: 2);
        using var body = new StreamContent(content, 1 << 20);
        body.Headers.ContentLength = size;
        using var put = await http.PutAsync("uri?convergence=false", body);
        var cap = await put.Content.ReadAsStringAsync();
        Assert.True(put.StatusCode == HttpStatusCode.OK, cap);

        var from = (size / 2) + 12_345;
        var before = NodesBytesRead();
        using var request = new HttpRequestMessage(HttpMethod.Get, GatewayClient.Path(cap));
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(from, from + MiB - 1);
        using var ranged = await http.SendAsync(request);
        var bytes = await ranged.Content.ReadAsByteArrayAsync();
        var read = NodesBytesRead() - before;

        Assert.Equal(HttpStatusCode.PartialContent, ranged.StatusCode);
        Assert.Equal(PatternStream.Slice(size, 2, from, (int)MiB), bytes);
        // k blocks of each segment the range touches (two, unaligned), their hash tree nodes, and
        // headers: about 1 MiB x n/k at most, never a noticeable part of the GiB.
        Assert.InRange(read, MiB, MiB * 10 / 3 + MiB);
    }

    /// <summary>The spool files the gateway process holds open (other gateways on the machine may spool meanwhile).</summary>
    private static IEnumerable<string> SpoolFiles(int pid)
    {
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
                continue; // closed while we looked
            }

            if (target is not null && Path.GetFileName(target) is var name
                && (name.StartsWith("granary-spool-", StringComparison.Ordinal) || name.StartsWith("granary-gateway-", StringComparison.Ordinal)))
            {
                yield return target;
            }
        }
    }

    private static Task<List<string>> WatchForSpoolFilesAsync(int pid, out CancellationTokenSource stop)
    {
        var cancel = stop = new CancellationTokenSource();
        return Task.Run(async () =>
        {
            var seen = new List<string>();
            while (!cancel.IsCancellationRequested)
            {
                seen.AddRange(SpoolFiles(pid).Where(f => !seen.Contains(f)));
                await Task.Delay(100);
            }

            return seen;
        });
    }

    private static long PeakMemory(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    // What the node processes read with read()/pread(): their share files (sockets are not counted).
    private long NodesBytesRead() => shared.Grid.Nodes.Sum(node =>
    {
        var line = File.ReadLines($"/proc/{node.Pid}/io").Single(l => l.StartsWith("rchar:", StringComparison.Ordinal));
        return long.Parse(line[6..].Trim(), CultureInfo.InvariantCulture);
    });

    /// <summary>
    /// <paramref name="length"/> bytes that no two MiB repeat, made as they are read (a 4 GiB body
    /// needs no 4 GiB of memory or disk in the test either), hashing what it gave.
    /// </summary>
    private sealed class PatternStream(long length, int seed) : Stream
    {
        private const int Block = 1 << 20;
        private readonly byte[] _block = BlockOf(seed);
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _position;
        private byte[]? _digest;

        public static byte[] Slice(long length, int seed, long from, int count)
        {
            using var stream = new PatternStream(length, seed) { _position = from };
            var buffer = new byte[count];
            stream.ReadExactly(buffer);
            return buffer;
        }

        /// <summary>The SHA-256 of everything read; known once the end was read (the HTTP client disposes the stream after sending).</summary>
        public byte[] Hash() => _digest ?? throw new InvalidOperationException("the stream was not read to its end");

        public override int Read(Span<byte> buffer)
        {
            var count = (int)Math.Min(buffer.Length, length - _position);
            for (var done = 0; done < count;)
            {
                var position = _position + done;
                var chunk = position / Block;
                var inBlock = (int)((position + (chunk * 7919)) % Block);
                var take = Math.Min(count - done, Math.Min(Block - inBlock, Block - (int)(position % Block)));
                _block.AsSpan(inBlock, take).CopyTo(buffer[done..]);
                done += take;
            }

            _hash.AppendData(buffer[..count]);
            _position += count;
            if (_position == length && _digest is null)
            {
                _digest = _hash.GetHashAndReset();
            }

            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }

        private static byte[] BlockOf(int seed)
        {
            var block = new byte[Block];
            new Random(seed).NextBytes(block);
            return block;
        }
    }
}
