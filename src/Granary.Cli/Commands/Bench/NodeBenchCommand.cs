using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Granary.Hosting;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Formats;
using Granary.Storage;
using Microsoft.Win32.SafeHandles;

namespace Granary.Cli.Commands.Bench;

/// <summary>
/// <c>granary bench node</c>: a storage node on loopback taking ranged writes and serving ranged
/// reads of 1 MiB bodies, beside, in the same run and on the same disk, the same bytes written to
/// and read from plain files by this process, and the same bytes through plain loopback TCP
/// connections (<see cref="LoopbackSocketBaseline"/>: the most any network server here could do).
/// Writes end with a flush to disk on every side (a node flushes each share as it completes).
/// Reads are measured cold (the cache dropped with posix_fadvise first) and warm (page cache).
/// </summary>
internal static partial class NodeBenchCommand
{
    private const int Body = 1 << 20;
    private const int ShareSize = 64 << 20;

    public static Command Create()
    {
        var size = new Option<string>("--size") { Description = "Bytes to write and read each way (the temp disk needs about three times this: node, plain files, socket files).", DefaultValueFactory = _ => "1GiB", HelpName = "BYTES" };
        var streams = new Option<int>("--streams") { Description = "Requests in flight at once against the node (the grid client keeps several in flight per node); also the number of plain sockets.", DefaultValueFactory = _ => 2, HelpName = "N" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("node", "Storage node write and read throughput over loopback, beside plain file I/O and plain loopback sockets.") { size, streams, json };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            if (!ByteSize.TryParse(context.Parse.GetValue(size)!, out var bytes, out var error) || bytes < ShareSize)
            {
                throw new UsageException($"--size must be at least 64 MiB{(string.IsNullOrEmpty(error) ? "" : $" ({error})")}");
            }

            var inFlight = context.Parse.GetValue(streams);
            if (inFlight is < 1 or > 64)
            {
                throw new UsageException("--streams must be between 1 and 64");
            }

            var result = await MeasureAsync(bytes / ShareSize * ShareSize, inFlight, cancellationToken);
            if (context.Parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(result, BenchJson.Options));
                return GranaryCli.Success;
            }

            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"""
                {ByteSize.Format(result.Bytes)} in 1 MiB bodies, {result.Streams} request(s) in flight, 64 MiB shares
                                  node (HTTP)       plain file      plain socket    node / file   node / socket
                {Row("write + flush", result.NodeWriteMBps, result.FileWriteMBps, result.SocketWriteMBps)}
                {Row("read, cold", result.NodeColdReadMBps, result.FileColdReadMBps, result.SocketColdReadMBps)}
                {Row("read, warm", result.NodeWarmReadMBps, result.FileWarmReadMBps, result.SocketWarmReadMBps)}
                """));
            return GranaryCli.Success;
        });
        return command;
    }

    internal sealed record NodeResult(
        long Bytes,
        int Streams,
        double NodeWriteMBps,
        double FileWriteMBps,
        double SocketWriteMBps,
        double NodeColdReadMBps,
        double FileColdReadMBps,
        double SocketColdReadMBps,
        double NodeWarmReadMBps,
        double FileWarmReadMBps,
        double SocketWarmReadMBps)
    {
        // The ratios the node is judged by: over plain file I/O and over a plain loopback socket, in the same run.
        public double WriteOverFile => NodeWriteMBps / FileWriteMBps;

        public double WriteOverSocket => NodeWriteMBps / SocketWriteMBps;

        public double ColdReadOverFile => NodeColdReadMBps / FileColdReadMBps;

        public double ColdReadOverSocket => NodeColdReadMBps / SocketColdReadMBps;

        public double WarmReadOverFile => NodeWarmReadMBps / FileWarmReadMBps;

        public double WarmReadOverSocket => NodeWarmReadMBps / SocketWarmReadMBps;
    }

    private static string Row(string name, double node, double file, double socket) => string.Create(
        CultureInfo.InvariantCulture, $"{name,-14}{node,9:N0} MB/s  {file,9:N0} MB/s  {socket,9:N0} MB/s  {node / file,9:0.00}x  {node / socket,9:0.00}x");

    private static async Task<NodeResult> MeasureAsync(long bytes, int streams, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), $"granary-bench-node-{Guid.NewGuid():N}");
        var shares = (int)(bytes / ShareSize);
        var payload = new byte[ShareSize];
        Random.Shared.NextBytes(payload);
        try
        {
            var node = NodeDirectory.Create(Path.Combine(root, "node"), new StorageNodeOptions { Port = 1, Capacity = bytes * 2, Reserved = 0 });
            await using var app = StorageNodeHost.Build(node, new ServerHostOptions { Port = 0, Logging = _ => { } });
            await app.StartAsync(cancellationToken);
            using var http = StorageClient.CreateHttpClient();
            var client = new StorageClient(StorageNodeHost.ListeningUrl(app, node), http);
            var index = StorageIndex.FromBytes(Guid.NewGuid().ToByteArray());
            var upload = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
            await client.AllocateAsync(index, [.. Enumerable.Range(0, shares)], ShareSize, upload, upload, upload, cancellationToken);

            // File, node and socket work alternate share by share, so a slow patch of the disk hits all alike.
            var files = Enumerable.Range(0, shares).Select(i => Path.Combine(root, $"plain-{i}")).ToArray();
            var socketFiles = Enumerable.Range(0, shares).Select(i => Path.Combine(root, $"socket-{i}")).ToArray();
            var shareFiles = Enumerable.Range(0, shares).Select(s => Path.Combine(node.Path, "shares", index.ToString()[..2], index.ToString(), s.ToString(CultureInfo.InvariantCulture))).ToArray();
            using var socket = await LoopbackSocketBaseline.OpenAsync(streams, Body, ShareSize, cancellationToken);
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = streams, CancellationToken = cancellationToken };
            var write = new Seconds();
            for (var share = 0; share < shares; share++)
            {
                write.File += Time(() => WriteFile(files[share], payload));
                var s = share;
                write.Node += await TimeAsync(() => Parallel.ForEachAsync(Enumerable.Range(0, ShareSize / Body), parallel, async (b, ct) =>
                    await client.WriteAsync(index, s, (long)b * Body, payload.AsMemory(b * Body, Body), upload, ct)));
                write.Socket += await TimeAsync(() => socket.WriteAsync(socketFiles[s], payload, cancellationToken));
            }

            var reads = new Dictionary<bool, Seconds>();
            foreach (var cold in new[] { true, false })
            {
                if (cold)
                {
                    DropCache([.. files, .. socketFiles, .. shareFiles]);
                }

                var read = reads[cold] = new Seconds();
                for (var share = 0; share < shares; share++)
                {
                    read.File += Time(() => ReadFile(files[share]));
                    var s = share;
                    read.Node += await TimeAsync(() => Parallel.ForEachAsync(Enumerable.Range(0, ShareSize / Body), parallel, async (b, ct) =>
                    {
                        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Body);
                        await client.ReadAsync(index, s, (long)b * Body, buffer.AsMemory(0, Body), ct);
                        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                    }));
                    read.Socket += await TimeAsync(() => socket.ReadAsync(socketFiles[s], cancellationToken));
                }
            }

            await app.StopAsync(CancellationToken.None);
            double Rate(double seconds) => bytes / seconds / 1e6;
            return new NodeResult(
                bytes,
                streams,
                Rate(write.Node),
                Rate(write.File),
                Rate(write.Socket),
                Rate(reads[true].Node),
                Rate(reads[true].File),
                Rate(reads[true].Socket),
                Rate(reads[false].Node),
                Rate(reads[false].File),
                Rate(reads[false].Socket));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Time spent on one kind of work by each side.</summary>
    private sealed class Seconds
    {
        public double Node { get; set; }

        public double File { get; set; }

        public double Socket { get; set; }
    }

    private static void WriteFile(string file, byte[] payload)
    {
        using var handle = File.OpenHandle(file, FileMode.Create, FileAccess.Write);
        for (var offset = 0; offset < ShareSize; offset += Body)
        {
            RandomAccess.Write(handle, payload.AsSpan(offset, Body), offset);
        }

        RandomAccess.FlushToDisk(handle);
    }

    private static void ReadFile(string file)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Body);
        using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read);
        for (var offset = 0; offset < ShareSize; offset += Body)
        {
            RandomAccess.Read(handle, buffer.AsSpan(0, Body), offset);
        }

        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
    }

    private static double Time(Action work)
    {
        var clock = Stopwatch.StartNew();
        work();
        return clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> TimeAsync(Func<Task> work)
    {
        var clock = Stopwatch.StartNew();
        await work();
        return clock.Elapsed.TotalSeconds;
    }

    // Asks the kernel to forget the files' cached pages, so the next read comes from the disk.
    private static void DropCache(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            using SafeFileHandle handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
            _ = PosixFadvise(handle, 0, 0, 4 /* POSIX_FADV_DONTNEED */);
        }
    }

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(SafeFileHandle descriptor, long offset, long length, int advice);
}
