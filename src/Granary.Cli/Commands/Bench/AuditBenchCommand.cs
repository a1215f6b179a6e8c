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

namespace Granary.Cli.Commands.Bench;

/// <summary>
/// <c>granary bench audit</c>: proof-of-retrievability audits (<see cref="ShareAudit.AuditAsync"/>,
/// several in flight, each a fresh random challenge of a random share) against a local grid, beside
/// the baseline of plain ranged reads of one block each from the same shares on the same nodes, in
/// the same run with the same concurrency. The ratio says what the proof costs over fetching a block.
/// </summary>
internal static class AuditBenchCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "Storage nodes in the grid.", DefaultValueFactory = _ => 10 };
        var files = new Option<int>("--files") { Description = "Files uploaded to audit.", DefaultValueFactory = _ => 4 };
        var size = new Option<string>("--size") { Description = "Size of each file.", DefaultValueFactory = _ => "8MiB", HelpName = "BYTES" };
        var seconds = new Option<double>("--seconds") { Description = "How long each of the two measurements runs.", DefaultValueFactory = _ => 10 };
        var inFlight = new Option<int>("--in-flight") { Description = "Audits (and baseline reads) in flight at once.", DefaultValueFactory = _ => 32 };
        var blocks = new Option<int>("--blocks") { Description = "Blocks per audit challenge (1 to 16).", DefaultValueFactory = _ => 1 };
        var dir = new Option<DirectoryInfo?>("--dir") { Description = "Where the grid goes (default: the temporary directory); removed afterwards.", HelpName = "DIR" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("audit", "Audits per second against a local grid, beside plain one-block reads per second.") { nodes, files, size, seconds, inFlight, blocks, dir, json };
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
                var result = await MeasureAsync(grid, count, bytes, TimeSpan.FromSeconds(duration), concurrency, perAudit, context.Error, cancellationToken);
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
        double NodesCpuSecondsPerThousandReads);

    private sealed record Target(StorageClient Node, AuditBasis Basis, int Share);

    private static async Task<AuditResult> MeasureAsync(
        LocalGrid grid, int files, long bytes, TimeSpan duration, int concurrency, int perAudit, TextWriter log, CancellationToken cancellationToken)
    {
        var client = await GranaryClientBuilder.FromDirectory(ClientDirectory.Open(grid.ClientDir)).BuildAsync(cancellationToken);
        using var http = StorageClient.CreateHttpClient();
        var nodes = grid.NodeUrls.Select(url => new StorageClient(StorageUrl.Parse(url), http)).ToArray();
        var targets = new List<Target>();
        await log.WriteLineAsync($"uploading {files} files of {ByteSize.Format(bytes)}...");
        for (var i = 0; i < files; i++)
        {
            var content = new byte[bytes];
            Random.Shared.NextBytes(content);
            using var stream = new MemoryStream(content, writable: false);
            var cap = ((ChkReadCap)(await client.UploadAsync(stream, null, cancellationToken)).ReadCap).VerifyCap;
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
        var auditRate = audits / auditSeconds;
        var readRate = reads / readSeconds;
        return new AuditResult(
            nodes.Length, files, bytes, targets.Count, concurrency, perAudit, duration.TotalSeconds, audits, failures, auditRate, reads, readRate, auditRate / readRate,
            audits == 0 ? 0 : auditCpu * 1000 / audits, reads == 0 ? 0 : readCpu * 1000 / reads);
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
          audits / reads            {r.AuditsOverReads,9:0.00}x
        """);
}
