using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Granary.Client;
using Granary.Client.Maintenance;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Formats;
using Granary.Core.Protocol;
using Granary.Hub;
using Granary.Hub.Data;
using Granary.Hub.Keeper;
using Microsoft.Extensions.Logging.Abstractions;

namespace Granary.Cli.Commands.Bench;

/// <summary>
/// <c>granary bench audit</c>: proof-of-retrievability audits (<see cref="ShareAudit.AuditAsync"/>,
/// several in flight, each a fresh random challenge of a random share) against a local grid, beside
/// the baseline of plain ranged reads of one block each from the same shares on the same nodes, in
/// the same run with the same concurrency. The ratio says what the proof costs over fetching a block.
/// A third row runs the hub's own audit passes (<see cref="KeeperService.AuditPassAsync"/>: pick the least
/// recently audited shares, audit them, record verdicts and reputations) over the same files, on a hub
/// database of its own (SQLite, or PostgreSQL with <c>--database</c>): the rate a hub sustains.
/// </summary>
internal static class AuditBenchCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "Storage nodes in the grid.", DefaultValueFactory = _ => 10 };
        var files = new Option<int>("--files") { Description = "Files uploaded to audit (at 10 shares each, 100 fill one hub audit pass of 1,000).", DefaultValueFactory = _ => 100 };
        var size = new Option<string>("--size") { Description = "Size of each file.", DefaultValueFactory = _ => "8MiB", HelpName = "BYTES" };
        var seconds = new Option<double>("--seconds") { Description = "How long each of the two measurements runs.", DefaultValueFactory = _ => 10 };
        var inFlight = new Option<int>("--in-flight") { Description = "Audits (and baseline reads) in flight at once.", DefaultValueFactory = _ => 32 };
        var blocks = new Option<int>("--blocks") { Description = "Blocks per audit challenge (1 to 16).", DefaultValueFactory = _ => 1 };
        var dir = new Option<DirectoryInfo?>("--dir") { Description = "Where the grid goes (default: the temporary directory); removed afterwards.", HelpName = "DIR" };
        var database = new Option<string?>("--database")
        {
            Description = "Run the hub's audit passes on PostgreSQL: a server URL (postgresql://user:password@host:5432/postgres); a fresh database is made there and dropped afterwards. Default: SQLite.",
            HelpName = "URL",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("audit", "Audits per second against a local grid (single audits and the hub's audit passes), beside plain one-block reads per second.")
        {
            nodes, files, size, seconds, inFlight, blocks, database, dir, json,
        };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            if (!ByteSize.TryParse(context.Parse.GetValue(size)!, out var bytes, out var error) || bytes < 1024)
            {
                throw new UsageException($"--size must be at least 1 KiB{(string.IsNullOrEmpty(error) ? "" : $" ({error})")}");
            }

            var duration = context.Parse.GetValue(seconds);
            var perAudit = context.Parse.GetValue(blocks);
            var concurrency = context.Parse.GetValue(inFlight);
            if (duration <= 0 || perAudit is < 1 or > ShareProof.MaxBlocks || concurrency < 1 || context.Parse.GetValue(files) < 1)
            {
                throw new UsageException($"--seconds must be positive, --blocks 1 to {ShareProof.MaxBlocks}, --in-flight and --files at least 1");
            }

            var root = Path.Combine(context.Parse.GetValue(dir)?.FullName ?? Path.GetTempPath(), $"granary-bench-audit-{Guid.NewGuid():N}");
            Directory.CreateDirectory(root);
            try
            {
                var count = context.Parse.GetValue(files);
                await using var grid = await LocalGrid.StartAsync(root, context.Parse.GetValue(nodes), bytes * count, cancellationToken);
                var result = await MeasureAsync(
                    grid, count, bytes, TimeSpan.FromSeconds(duration), concurrency, perAudit, context.Parse.GetValue(database), root, context.Error, cancellationToken);
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

    internal sealed record AuditResult(
        int Nodes,
        int Files,
        long FileBytes,
        int Shares,
        int InFlight,
        int BlocksPerAudit,
        double Seconds,
        long Audits,
        long FailedAudits,
        double AuditsPerSecond,
        long BlockReads,
        double BlockReadsPerSecond,
        double AuditsOverReads,
        double NodesCpuSecondsPerThousandAudits,
        double NodesCpuSecondsPerThousandReads,
        string HubDatabase,
        int HubPasses,
        long HubAudits,
        long HubFailedAudits,
        double HubAuditsPerSecond,
        double HubAuditsOverReads);

    private sealed record Target(StorageClient Node, AuditBasis Basis, int Share);

    private static async Task<AuditResult> MeasureAsync(
        LocalGrid grid, int files, long bytes, TimeSpan duration, int concurrency, int perAudit, string? server, string root, TextWriter log, CancellationToken cancellationToken)
    {
        var client = await GranaryClientBuilder.FromDirectory(ClientDirectory.Open(grid.ClientDir)).BuildAsync(cancellationToken);
        using var http = StorageClient.CreateHttpClient();
        var nodes = grid.NodeUrls.Select(url => new StorageClient(StorageUrl.Parse(url), http)).ToArray();
        var targets = new List<Target>();
        var caps = new List<ChkVerifyCap>();
        await log.WriteLineAsync($"uploading {files} files of {ByteSize.Format(bytes)}...");
        for (var i = 0; i < files; i++)
        {
            var content = new byte[bytes];
            Random.Shared.NextBytes(content);
            using var stream = new MemoryStream(content, writable: false);
            var cap = ((ChkReadCap)(await client.UploadAsync(stream, null, cancellationToken)).ReadCap).VerifyCap;
            caps.Add(cap);
            AuditBasis? basis = null;
            foreach (var node in nodes)
            {
                foreach (var share in await node.ListSharesAsync(cap.StorageIndex, cancellationToken))
                {
                    basis ??= await ShareAudit.ReadBasisAsync(node, cap, share, cancellationToken);
                    targets.Add(new Target(node, basis, share));
                }
            }
        }

        await log.WriteLineAsync($"warming up, then {duration.TotalSeconds:0.#} s of audits and {duration.TotalSeconds:0.#} s of block reads, {concurrency} in flight...");
        var failures = 0L;
        async Task<bool> AuditOnceAsync(CancellationToken ct)
        {
            var target = targets[Random.Shared.Next(targets.Count)];
            var verdict = await ShareAudit.AuditAsync(target.Node, target.Basis, target.Share, ShareAudit.ChooseBlocks(target.Basis, perAudit), TimeSpan.FromSeconds(30), ct);
            if (!verdict.Passed)
            {
                Interlocked.Increment(ref failures);
            }

            return verdict.Passed;
        }

        async Task<bool> ReadOnceAsync(CancellationToken ct)
        {
            var target = targets[Random.Shared.Next(targets.Count)];
            var p = target.Basis.UriExtension.Parameters;
            var block = Random.Shared.Next(p.SegmentCount);
            var buffer = new byte[p.BlockSizeOf(block)];
            return await target.Node.ReadAsync(target.Basis.Cap.StorageIndex, target.Share, ShareHeader.For(p).BlockOffset(block), buffer, ct) == buffer.Length;
        }

        await RunAsync(AuditOnceAsync, TimeSpan.FromSeconds(1), concurrency, cancellationToken);
        await RunAsync(ReadOnceAsync, TimeSpan.FromSeconds(1), concurrency, cancellationToken);
        failures = 0;
        var cpu = grid.NodesCpuSeconds();
        var (audits, auditSeconds) = await RunAsync(AuditOnceAsync, duration, concurrency, cancellationToken);
        var auditCpu = grid.NodesCpuSeconds() - cpu;
        cpu = grid.NodesCpuSeconds();
        var (reads, readSeconds) = await RunAsync(ReadOnceAsync, duration, concurrency, cancellationToken);
        var readCpu = grid.NodesCpuSeconds() - cpu;
        var hub = await MeasureHubPassesAsync(grid.NodeUrls, caps, server, duration, concurrency, perAudit, Path.Combine(root, "bench-hub"), log, cancellationToken);
        var auditRate = audits / auditSeconds;
        var readRate = reads / readSeconds;
        var hubRate = hub.Audits / hub.Seconds;
        return new AuditResult(
            nodes.Length, files, bytes, targets.Count, concurrency, perAudit, duration.TotalSeconds, audits, failures, auditRate, reads, readRate, auditRate / readRate,
            audits == 0 ? 0 : auditCpu * 1000 / audits, reads == 0 ? 0 : readCpu * 1000 / reads,
            hub.Database, hub.Passes, hub.Audits, hub.Failed, hubRate, hubRate / readRate);
    }

    private sealed record HubPasses(string Database, int Passes, long Audits, long Failed, double Seconds);

    // A hub's keeper of its own, in this process, that knows the grid's nodes and keeps the files; its audit passes
    // (each up to 1,000 shares, the default) run back to back until the time is up, and the database's tallies say how many audits they made.
    private static async Task<HubPasses> MeasureHubPassesAsync(
        IReadOnlyList<string> nodeUrls, IReadOnlyList<ChkVerifyCap> caps, string? server, TimeSpan duration, int concurrency, int perAudit, string dir, TextWriter log, CancellationToken cancellationToken)
    {
        await using var bench = await HubBenchCommand.BenchDatabase.CreateAsync(server, cancellationToken);
        var options = new HubOptions { Port = NodeCommand.FreePort(), Database = bench.Url };
        options.Keeper.AuditConcurrency = concurrency;
        options.Keeper.BlocksPerAudit = perAudit;
        await using var database = HubDatabase.Open(HubDirectory.Create(dir, options));
        await database.MigrateAsync(cancellationToken);
        var announcements = new AnnouncementStore(database);
        var now = TimeProvider.System.Micros();
        foreach (var url in nodeUrls)
        {
            // The keeper reads only the address and expiry of an announcement; the signature is the introducer's to check.
            await announcements.UpsertAsync(new Announcement(StorageUrl.Parse(url).NodeId.ToString(), url, 1L << 40, 1L << 40, "bench", 1, "-"), now, now + (86_400L * 1_000_000), cancellationToken);
        }

        var store = new KeeperStore(database);
        using var http = StorageClient.CreateHttpClient();
        using var keeper = new KeeperService(store, announcements, options, TimeProvider.System, NullLogger.Instance, http);
        await log.WriteLineAsync($"the hub's audit passes on {bench.Description}: keeping {caps.Count} files...");
        foreach (var cap in caps)
        {
            var (kept, problem) = await keeper.KeepAsync("bench", cap, cancellationToken);
            if (kept is null)
            {
                throw new InvalidOperationException($"the bench's hub could not keep {cap}: {problem}");
            }
        }

        await keeper.AuditPassAsync(cancellationToken); // warm-up
        var (passed, failed) = await TalliesAsync(store, cancellationToken);
        var passes = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            await keeper.AuditPassAsync(cancellationToken);
            passes++;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var (passedAfter, failedAfter) = await TalliesAsync(store, cancellationToken);
        return new HubPasses(bench.Description, passes, passedAfter - passed + (failedAfter - failed), failedAfter - failed, seconds);
    }

    private static async Task<(long Passed, long Failed)> TalliesAsync(KeeperStore store, CancellationToken cancellationToken)
    {
        var nodes = (await store.NodesAsync(cancellationToken)).Values;
        return (nodes.Sum(n => n.Reputation.Passed), nodes.Sum(n => n.Reputation.Failed));
    }

    // Keeps `concurrency` operations in flight until the time is up; counts those that completed.
    private static async Task<(long Count, double Seconds)> RunAsync(Func<CancellationToken, Task<bool>> operation, TimeSpan duration, int concurrency, CancellationToken cancellationToken)
    {
        var count = 0L;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                await operation(cancellationToken);
                Interlocked.Increment(ref count);
            }
        }));
        return (count, clock.Elapsed.TotalSeconds);
    }

    private static string Describe(AuditResult r) => string.Create(CultureInfo.InvariantCulture, $"""
        {r.Nodes} nodes, {r.Files} files of {ByteSize.Format(r.FileBytes)}, {r.Shares} shares, {r.InFlight} in flight, same run:
          audits ({r.BlocksPerAudit} block{(r.BlocksPerAudit == 1 ? "" : "s")} each) {r.AuditsPerSecond,9:0} /s   ({r.Audits} in {r.Seconds:0.#} s, {r.FailedAudits} failed; nodes' CPU {r.NodesCpuSecondsPerThousandAudits:0.000} s per 1000)
          one-block reads           {r.BlockReadsPerSecond,9:0} /s   ({r.BlockReads} in {r.Seconds:0.#} s; nodes' CPU {r.NodesCpuSecondsPerThousandReads:0.000} s per 1000)
          hub audit passes          {r.HubAuditsPerSecond,9:0} /s   ({r.HubAudits} in {r.HubPasses} passes, {r.HubFailedAudits} failed; {r.HubDatabase})
          audits / reads            {r.AuditsOverReads,9:0.00}x
          hub audits / reads        {r.HubAuditsOverReads,9:0.00}x
        """);
}
