using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Formats;
using Granary.Core.Protocol;

namespace Granary.Cli.Commands.Bench;

/// <summary>
/// <c>granary bench gateway</c>: one file through the web gateway (PUT and GET, convergent and
/// streamed) beside <c>granary put</c> and <c>granary get</c> of a file of the same size on the
/// same local grid in the same run; then the small-file rate (4 KiB immutable PUTs and GETs, many at
/// a time) beside the rate one node answers its cheapest request at, and the gateway's peak memory.
/// </summary>
internal static class GatewayBenchCommand
{
    private const int SmallFileBytes = 4096;
    private const int Rounds = 2;

    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "Storage nodes in the grid.", DefaultValueFactory = _ => 10 };
        var size = new Option<string>("--size") { Description = "Size of the large file.", DefaultValueFactory = _ => "1GiB", HelpName = "BYTES" };
        var small = new Option<int>("--small-files") { Description = "How many 4 KiB files to put and get.", DefaultValueFactory = _ => 1000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Small-file requests in flight at once.", DefaultValueFactory = _ => 16 };
        var dir = new Option<DirectoryInfo?>("--dir") { Description = "Where the grid and the files go (default: the temporary directory); removed afterwards.", HelpName = "DIR" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("gateway", "Gateway PUT/GET beside granary put/get of the same size, and the small-file rate beside a node's own.") { nodes, size, small, concurrency, dir, json };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            if (!ByteSize.TryParse(context.Parse.GetValue(size)!, out var bytes, out var error) || bytes < (16L << 20))
            {
                throw new UsageException($"--size must be at least 16 MiB{(string.IsNullOrEmpty(error) ? "" : $" ({error})")}");
            }

            var root = Path.Combine(context.Parse.GetValue(dir)?.FullName ?? Path.GetTempPath(), $"granary-bench-gateway-{Guid.NewGuid():N}");
            Directory.CreateDirectory(root);
            try
            {
                // Room for three copies of the large file a round (the put, the convergent and the streamed gateway puts).
                await using var grid = await LocalGrid.StartAsync(Path.Combine(root, "grid"), context.Parse.GetValue(nodes), bytes * 3 * Rounds, cancellationToken);
                var result = await MeasureAsync(grid, root, bytes, context.Parse.GetValue(small), Math.Max(1, context.Parse.GetValue(concurrency)), context.Error, cancellationToken);
                await context.Output.WriteLineAsync(context.Parse.GetValue(json) ? JsonSerializer.Serialize(result, BenchJson.Options) : Describe(result));
                return GranaryCli.Success;
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        });
        return command;
    }

    internal sealed record GatewayResult(
        long FileBytes,
        double CliPutMBps,
        double GatewayPutMBps,
        double GatewayStreamedPutMBps,
        double CliGetMBps,
        double GatewayGetMBps,
        double PutRatio,
        double StreamedPutRatio,
        double GetRatio,
        int SmallFiles,
        int Concurrency,
        double SmallPutsPerSecond,
        double SmallGetsPerSecond,
        double NodeRequestsPerSecond,
        long GatewayPeakBytesLarge,
        long GatewayPeakBytesSmall);

    private static async Task<GatewayResult> MeasureAsync(LocalGrid grid, string root, long bytes, int smallFiles, int concurrency, TextWriter log, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri(grid.Gateway.Url), Timeout = TimeSpan.FromHours(1) };
        await log.WriteLineAsync("warming up...");
        var warm = await RandomFileAsync(Path.Combine(root, "warm.bin"), 8 << 20, cancellationToken);
        await CliAsync(grid, ["put", warm], cancellationToken);
        await PutFileAsync(http, warm, "", cancellationToken);
        ResetPeakMemory(grid.Gateway.Pid);

        // Puts take turns, each round in another order, and the best of each kind counts. A
        // convergent put needs content the grid has not seen (else its shares are already there).
        await log.WriteLineAsync($"puts of {ByteSize.Format(bytes)}, {Rounds} rounds: granary put, gateway PUT (convergent: spooled), gateway PUT ?convergence=false (streamed)...");
        var cliPut = double.MaxValue;
        var gatewayPut = double.MaxValue;
        var streamedPut = double.MaxValue;
        var cap = "";
        var gatewayCap = "";
        for (var round = 0; round < Rounds; round++)
        {
            var forCli = await RandomFileAsync(Path.Combine(root, $"cli-{round}.bin"), bytes, cancellationToken);
            var forGateway = await RandomFileAsync(Path.Combine(root, $"gateway-{round}.bin"), bytes, cancellationToken);
            var puts = new List<Func<Task>>
            {
                async () =>
                {
                    var (seconds, output) = await TimeAsync(() => CliAsync(grid, ["put", forCli], cancellationToken));
                    cliPut = Math.Min(cliPut, seconds);
                    cap = output.Trim().Split('\n')[^1];
                },
                async () =>
                {
                    var (seconds, put) = await TimeAsync(() => PutFileAsync(http, forGateway, "", cancellationToken));
                    gatewayPut = Math.Min(gatewayPut, seconds);
                    gatewayCap = put;
                },
                async () => streamedPut = Math.Min(streamedPut, (await TimeAsync(() => PutFileAsync(http, forGateway, "?convergence=false", cancellationToken))).Seconds),
            };
            for (var turn = 0; turn < puts.Count; turn++)
            {
                await puts[(turn + round) % puts.Count]();
            }

            File.Delete(forCli);
            File.Delete(forGateway);
        }

        // Gets alternate, twice each, so neither always follows the other; the better of each pair counts.
        await log.WriteLineAsync("gets, alternating granary get and gateway GET...");
        var cliGet = double.MaxValue;
        var gatewayGet = double.MaxValue;
        for (var round = 0; round < Rounds; round++)
        {
            cliGet = Math.Min(cliGet, (await TimeAsync(() => CliAsync(grid, ["get", cap, "-o", Path.Combine(root, "got.bin")], cancellationToken))).Seconds);
            gatewayGet = Math.Min(gatewayGet, (await TimeAsync(() => GetAsync(http, gatewayCap, cancellationToken))).Seconds);
        }

        var largePeak = PeakMemory(grid.Gateway.Pid);
        ResetPeakMemory(grid.Gateway.Pid);
        await log.WriteLineAsync($"{smallFiles:N0} small files, {concurrency} at a time...");
        var contents = Enumerable.Range(0, smallFiles).Select(_ => RandomNumberGenerator.GetBytes(SmallFileBytes)).ToArray();
        var caps = new string[smallFiles];
        var (putSeconds, _) = await TimeAsync(() => ForEachAsync(smallFiles, concurrency, async i =>
        {
            using var response = await http.PutAsync("uri", new ByteArrayContent(contents[i]), cancellationToken);
            response.EnsureSuccessStatusCode();
            caps[i] = await response.Content.ReadAsStringAsync(cancellationToken);
        }));
        var (getSeconds, _) = await TimeAsync(() => ForEachAsync(smallFiles, concurrency, async i =>
        {
            var back = await http.GetByteArrayAsync("uri/" + Uri.EscapeDataString(caps[i]), cancellationToken);
            if (!back.AsSpan().SequenceEqual(contents[i]))
            {
                throw new InvalidOperationException($"small file {i} came back different");
            }
        }));

        await log.WriteLineAsync("a node's own request rate (its cheapest request, the same concurrency)...");
        var node = new StorageClient(StorageUrl.Parse(grid.NodeUrls[0]), http);
        var nodeRequests = smallFiles * 10;
        var (nodeSeconds, _) = await TimeAsync(() => ForEachAsync(nodeRequests, concurrency, async _ =>
            await node.ListSharesAsync(StorageIndex.FromBytes(RandomNumberGenerator.GetBytes(StorageIndex.Size)), cancellationToken)));

        double Rate(double seconds) => bytes / seconds / 1e6;
        return new GatewayResult(
            bytes, Rate(cliPut), Rate(gatewayPut), Rate(streamedPut), Rate(cliGet), Rate(gatewayGet),
            cliPut / gatewayPut, cliPut / streamedPut, cliGet / gatewayGet,
            smallFiles, concurrency, smallFiles / putSeconds, smallFiles / getSeconds, nodeRequests / nodeSeconds,
            largePeak, PeakMemory(grid.Gateway.Pid));
    }

    private static async Task<string> RandomFileAsync(string path, long bytes, CancellationToken cancellationToken)
    {
        await using var file = File.Create(path);
        var buffer = new byte[1 << 20];
        for (long done = 0; done < bytes; done += buffer.Length)
        {
            RandomNumberGenerator.Fill(buffer);
            await file.WriteAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, bytes - done)), cancellationToken);
        }

        return path;
    }

    private static async Task<string> PutFileAsync(HttpClient http, string path, string query, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        using var response = await http.PutAsync("uri" + query, new StreamContent(file, 1 << 20), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"gateway PUT answered {(int)response.StatusCode}: {body}");
    }

    private static async Task<long> GetAsync(HttpClient http, string cap, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("uri/" + Uri.EscapeDataString(cap), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[1 << 20];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
        }

        return total;
    }

    // `granary ARGS --client-dir DIR` as a user runs it; its standard output.
    private static async Task<string> CliAsync(LocalGrid grid, string[] args, CancellationToken cancellationToken)
    {
        var info = GridCommand.SelfStartInfo([.. args, "--client-dir", grid.ClientDir]);
        info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"granary {args[0]} failed: {await error}");
    }

    private static Task ForEachAsync(int count, int concurrency, Func<int, Task> work)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                await work(i);
            }
        }));
    }

    // Writing 5 to clear_refs resets the process's peak resident size (VmHWM), so each phase has its own.
    private static void ResetPeakMemory(int pid) => File.WriteAllText($"/proc/{pid}/clear_refs", "5");

    private static long PeakMemory(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static async Task<(double Seconds, T Result)> TimeAsync<T>(Func<Task<T>> work)
    {
        var clock = Stopwatch.StartNew();
        var result = await work();
        return (clock.Elapsed.TotalSeconds, result);
    }

    private static async Task<(double Seconds, bool Done)> TimeAsync(Func<Task> work)
    {
        var clock = Stopwatch.StartNew();
        await work();
        return (clock.Elapsed.TotalSeconds, true);
    }

    private static string Describe(GatewayResult r) => string.Create(CultureInfo.InvariantCulture, $"""
        {ByteSize.Format(r.FileBytes)}, same grid, same run (gateway/granary, higher is better for the gateway):
          put   granary put {r.CliPutMBps,8:0.0} MB/s   gateway PUT {r.GatewayPutMBps,8:0.0} MB/s ({r.PutRatio:0.00}x)   streamed (convergence=false) {r.GatewayStreamedPutMBps,8:0.0} MB/s ({r.StreamedPutRatio:0.00}x)
          get   granary get {r.CliGetMBps,8:0.0} MB/s   gateway GET {r.GatewayGetMBps,8:0.0} MB/s ({r.GetRatio:0.00}x)
          4 KiB files, {r.Concurrency} at a time: {r.SmallPutsPerSecond:0} PUT/s, {r.SmallGetsPerSecond:0} GET/s; one node answers {r.NodeRequestsPerSecond:0} requests/s
          gateway peak memory {ByteSize.Format(r.GatewayPeakBytesLarge)} during the large puts and gets, {ByteSize.Format(r.GatewayPeakBytesSmall)} during the small files
        """);
}
