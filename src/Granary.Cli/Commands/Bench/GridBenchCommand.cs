using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Formats;

namespace Granary.Cli.Commands.Bench;

/// <summary>
/// <c>granary bench grid</c>: a local grid (<c>granary grid up</c>, each node its own process) taking
/// a <c>granary put</c> of a random file and giving it back to a <c>granary get</c>, then repairing it
/// with <c>granary check --repair</c> after n − k of its shares are deleted from the nodes' disks, all
/// run as a user would run them, beside <c>granary bench encode</c> of the same file in the same run.
/// </summary>
/// <remarks>
/// The nodes first serve a small untimed put and get: a grid's nodes are long-lived servers, and a
/// cold node spends its first upload compiling. The client processes start cold, as a user's do.
/// Peak client memory is the put, get or repair process's high-water resident set. The repair reads k
/// shares and writes n − k, from the ciphertext alone, as a hub's repairer does; its throughput is
/// the file's size over its time, so it compares with put's directly.
/// </remarks>
internal static class GridBenchCommand
{
    private const long WarmUpBytes = 32L << 20;

    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "Storage nodes in the grid.", DefaultValueFactory = _ => 10 };
        var size = new Option<string>("--size") { Description = "Size of the file to put and get.", DefaultValueFactory = _ => "1GiB", HelpName = "BYTES" };
        var dir = new Option<DirectoryInfo?>("--dir")
        {
            Description = "Where the grid and the files go (default: the temporary directory). Everything is removed afterwards.",
            HelpName = "DIR",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("grid", "Put and get throughput of a whole local grid, beside bench encode of the same file.") { nodes, size, dir, json };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var count = context.Parse.GetValue(nodes);
            if (count is < 1 or > 100)
            {
                throw new UsageException("--nodes must be between 1 and 100");
            }

            if (!ByteSize.TryParse(context.Parse.GetValue(size)!, out var bytes, out var error) || bytes <= ChkParameters.MaxLiteralSize)
            {
                throw new UsageException($"--size must be more than {ChkParameters.MaxLiteralSize} bytes{(error is null ? "" : $" ({error})")}");
            }

            var parent = context.Parse.GetValue(dir)?.FullName ?? Path.GetTempPath();
            var root = Path.Combine(parent, $"granary-bench-grid-{Guid.NewGuid():N}");
            Directory.CreateDirectory(root);
            try
            {
                var result = await MeasureAsync(root, count, bytes, context.Error, cancellationToken);
                if (context.Parse.GetValue(json))
                {
                    await context.Output.WriteLineAsync(JsonSerializer.Serialize(result, BenchJson.Options));
                    return GranaryCli.Success;
                }

                await context.Output.WriteLineAsync(Describe(result));
                return GranaryCli.Success;
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        });
        return command;
    }

    internal sealed record Transfer(double Seconds, double ThroughputMBps, long ClientPeakBytes, double ClientCpuSeconds, double NodesCpuSeconds);

    /// <summary>The figures, and the ratios the issue judges them by (put and get over the plain-file write, put over encode; repair and get over put).</summary>
    internal sealed record GridResult(
        long FileBytes, int Nodes, int K, int Happy, int N, string Directory, Transfer Put, Transfer Get, Transfer Repair, double PlainWriteMBps, double EncodeAllCoresMBps, double EncodeOneCoreMBps)
    {
        public double PutOverPlain => Put.ThroughputMBps / PlainWriteMBps;

        public double GetOverPlain => Get.ThroughputMBps / PlainWriteMBps;

        public double PutOverEncode => Put.ThroughputMBps / EncodeAllCoresMBps;

        public double GetOverPut => Get.ThroughputMBps / Put.ThroughputMBps;

        public double RepairOverPut => Repair.ThroughputMBps / Put.ThroughputMBps;
    }

    private static async Task<GridResult> MeasureAsync(string root, int nodes, long bytes, TextWriter log, CancellationToken cancellationToken)
    {
        var file = Path.Combine(root, "file");
        var output = Path.Combine(root, "file.out");
        await log.WriteLineAsync($"bench grid: writing {ByteSize.Format(bytes)} of random data to {file}");
        await WriteRandomFileAsync(file, bytes, cancellationToken);

        await log.WriteLineAsync($"bench grid: starting {nodes} storage nodes");
        await using var grid = await LocalGrid.StartAsync(Path.Combine(root, "grid"), nodes, bytes, cancellationToken);
        var client = new[] { "--client-dir", grid.ClientDir };

        await log.WriteLineAsync("bench grid: warming up the nodes");
        var warmUp = Path.Combine(root, "warm-up");
        await WriteRandomFileAsync(warmUp, Math.Min(WarmUpBytes, bytes), cancellationToken);
        var warmCap = (await RunAsync(["put", warmUp, .. client], grid, cancellationToken)).LastLine;
        await RunAsync(["get", warmCap, "-o", output, .. client], grid, cancellationToken);

        await log.WriteLineAsync("bench grid: writing the shares' bytes to plain files (the baseline)");
        var config = Client.ClientDirectory.OpenOrCreate(grid.ClientDir).Config;
        var baseline = Path.Combine(root, "baseline");
        var plainSeconds = await PlainWriteSecondsAsync(baseline, bytes, config.Needed, config.Total, cancellationToken);

        await log.WriteLineAsync("bench grid: put");
        var put = await RunAsync(["put", file, .. client], grid, cancellationToken);
        await log.WriteLineAsync("bench grid: get");
        var get = await RunAsync(["get", put.LastLine, "-o", output, .. client], grid, cancellationToken);
        if (!await SameContentAsync(file, output, cancellationToken))
        {
            throw new InvalidOperationException("the file that came back differs from the one put (this is a bug; please report it)");
        }

        File.Delete(output);
        Directory.Delete(baseline, recursive: true);
        await log.WriteLineAsync($"bench grid: deleting {config.Total - config.Needed} of the file's shares, then check --repair");
        DeleteShares(grid, put.LastLine, config.Total - config.Needed);
        var repair = await RunAsync(["check", put.LastLine, "--repair", .. client], grid, cancellationToken);
        await log.WriteLineAsync("bench grid: bench encode of the same file");
        var parameters = new EncodingParameters(config.Needed, config.Total, config.MaxSegmentSize);
        var encode = await EncodeBenchCommand.MeasureAsync(file, parameters, cancellationToken);

        Transfer Rate(Measured run) => new(run.Seconds, bytes / run.Seconds / 1e6, run.PeakBytes, run.CpuSeconds, run.NodesCpuSeconds);
        return new GridResult(
            bytes, nodes, config.Needed, config.Happy, config.Total, root, Rate(put), Rate(get), Rate(repair), bytes / plainSeconds / 1e6, encode.AllCoresMBps, encode.OneCoreMBps);
    }

    private static string Describe(GridResult r)
    {
        static string Row(string name, Transfer t) => string.Create(CultureInfo.InvariantCulture,
            $"{name,-8}{t.ThroughputMBps,8:N0} MB/s {t.Seconds,8:0.00} s {ByteSize.Format(t.ClientPeakBytes),12} {t.ClientCpuSeconds,10:0.0} {t.NodesCpuSeconds,10:0.0}");

        return string.Create(CultureInfo.InvariantCulture,
            $"""
            {ByteSize.Format(r.FileBytes)} random file, {r.Nodes} storage nodes (one process each), {r.K}-of-{r.N}, happy {r.Happy}, under {r.Directory}
                     throughput     time   client peak  client CPU  nodes CPU
            {Row("put", r.Put)}
            {Row("get", r.Get)}
            {Row("repair", r.Repair)}
            encode  {r.EncodeAllCoresMBps,8:N0} MB/s   bench encode of the same file: no network, all cores (one core {r.EncodeOneCoreMBps:N0} MB/s)
            plain   {r.PlainWriteMBps,8:N0} MB/s   the shares' bytes ({r.N}/{r.K} of the file) written to plain files there and flushed
            put / plain {r.PutOverPlain:0.00}x (goal 0.75x), get / plain {r.GetOverPlain:0.00}x (goal 1.2x), put / encode {r.PutOverEncode:0.00}x, get / put {r.GetOverPut:0.00}x, repair / put {r.RepairOverPut:0.00}x ({r.N - r.K} of {r.N} shares made again)
            """);
    }

    // Deletes shares 0 .. count − 1 of the file from every node's disk, as if the nodes had lost them.
    private static void DeleteShares(LocalGrid grid, string cap, int count)
    {
        var index = ((ChkReadCap)Cap.Parse(cap)).StorageIndex.ToString();
        var deleted = 0;
        foreach (var dir in grid.NodeDirs)
        {
            for (var share = 0; share < count; share++)
            {
                var path = Path.Combine(dir, "shares", index[..2], index, share.ToString(CultureInfo.InvariantCulture));
                if (File.Exists(path))
                {
                    File.Delete(path);
                    deleted++;
                }
            }
        }

        if (deleted < count)
        {
            throw new InvalidOperationException($"found only {deleted} of the {count} shares to delete under the nodes' directories (this is a bug; please report it)");
        }
    }

    private static async Task WriteRandomFileAsync(string path, long bytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Min(bytes, 4 << 20)];
        await using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0);
        for (long written = 0; written < bytes; written += buffer.Length)
        {
            Random.Shared.NextBytes(buffer);
            await stream.WriteAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, bytes - written)), cancellationToken);
        }
    }

    // What storing the shares costs this machine without Granary: their bytes written to one plain
    // file per share in the same directory, 1 MiB at a time, a writer per core, each file flushed
    // at its end as a node flushes a finished share. Returns the seconds it took.
    private static async Task<double> PlainWriteSecondsAsync(string dir, long fileBytes, int k, int n, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dir);
        var shareBytes = (fileBytes + k - 1) / k;
        var chunk = new byte[1 << 20];
        Random.Shared.NextBytes(chunk);
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, n, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, async (share, ct) =>
        {
            using var handle = File.OpenHandle(Path.Combine(dir, share.ToString(CultureInfo.InvariantCulture)), FileMode.CreateNew, FileAccess.Write);
            for (long offset = 0; offset < shareBytes; offset += chunk.Length)
            {
                await RandomAccess.WriteAsync(handle, chunk.AsMemory(0, (int)Math.Min(chunk.Length, shareBytes - offset)), offset, ct);
            }

            RandomAccess.FlushToDisk(handle);
        });
        return clock.Elapsed.TotalSeconds;
    }

    private static async Task<bool> SameContentAsync(string a, string b, CancellationToken cancellationToken)
    {
        if (new FileInfo(a).Length != new FileInfo(b).Length)
        {
            return false;
        }

        await using var first = File.OpenRead(a);
        await using var second = File.OpenRead(b);
        var hashes = await Task.WhenAll(SHA256.HashDataAsync(first, cancellationToken).AsTask(), SHA256.HashDataAsync(second, cancellationToken).AsTask());
        return hashes[0].AsSpan().SequenceEqual(hashes[1]);
    }

    private sealed record Measured(double Seconds, long PeakBytes, double CpuSeconds, double NodesCpuSeconds, string LastLine);

    // Runs `granary ARGS` as a child, sampling its resident set and CPU time until it exits.
    private static async Task<Measured> RunAsync(string[] args, LocalGrid grid, CancellationToken cancellationToken)
    {
        var info = GridCommand.SelfStartInfo(args);
        info.RedirectStandardError = true;
        var nodesBefore = grid.NodesCpuSeconds();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        long peak = 0;
        var cpu = TimeSpan.Zero;
        while (!process.HasExited)
        {
            try
            {
                process.Refresh();
                peak = Math.Max(peak, process.PeakWorkingSet64);
                cpu = process.TotalProcessorTime;
            }
            catch (InvalidOperationException)
            {
                // It exited between the check and the read.
            }

            await Task.Delay(10, cancellationToken);
        }

        await process.WaitForExitAsync(cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        var nodesCpu = grid.NodesCpuSeconds() - nodesBefore;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"granary {string.Join(' ', args.Take(1))} failed with exit code {process.ExitCode}: {(await stderr).Trim()}");
        }

        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new Measured(seconds, peak, cpu.TotalSeconds, nodesCpu, lines.LastOrDefault() ?? "");
    }
}
