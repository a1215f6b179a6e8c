using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Granary.Hub;
using Granary.Hub.Data;
using Granary.Hub.Keeper;

namespace Granary.Cli.Commands.Bench;

/// <summary>
/// <c>granary bench keeper</c>: a migrated hub database filled with N kept files of 10 shares over
/// 10 nodes (one disqualified, one unreachable), then the keeper's checker recount
/// (<see cref="KeeperStore.RecountAsync"/>) timed over three passes beside a plain
/// <c>SELECT COUNT(*)</c> full scan of the shares on the same database in the same run.
/// </summary>
internal static class KeeperBenchCommand
{
    private const int Shares = 10;
    private const int Nodes = 10;
    private const int Passes = 3;
    private const int Threshold = 7;

    public static Command Create()
    {
        var files = new Option<int>("--files") { Description = "Kept files (10 shares each over 10 nodes).", DefaultValueFactory = _ => 100_000 };
        var database = new Option<string?>("--database")
        {
            Description = "Run on PostgreSQL: a server URL (postgresql://user:password@host:5432/postgres); a fresh database is made there and dropped afterwards. Default: SQLite in a temporary hub directory.",
            HelpName = "URL",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("keeper", "Seconds per keeper checker pass (recounting healthy shares) over many kept files, beside a plain full scan of the shares.")
        {
            files, database, json,
        };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            var count = parse.GetValue(files);
            if (count is < 1 or > 10_000_000)
            {
                throw new UsageException("--files must be between 1 and 10000000");
            }

            var result = await MeasureAsync(count, parse.GetValue(database), context.Error, cancellationToken);
            await context.Output.WriteLineAsync(parse.GetValue(json) ? JsonSerializer.Serialize(result, BenchJson.Options) : Describe(result));
            return GranaryCli.Success;
        });
        return command;
    }

    /// <summary>Best and median seconds of the passes, and passes per second at the best.</summary>
    internal sealed record Timing(double BestSeconds, double MedianSeconds, double PassesPerSecond);

    internal sealed record KeeperBenchResult(int Files, long ShareRows, string Database, double FillSeconds, int FilesBelowThreshold, Timing Recount, Timing CountBaseline, double RecountOverBaseline);

    private static async Task<KeeperBenchResult> MeasureAsync(int files, string? server, TextWriter log, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), $"granary-bench-keeper-{Guid.NewGuid():N}");
        try
        {
            await using var bench = await HubBenchCommand.BenchDatabase.CreateAsync(server, cancellationToken);
            var hub = HubDirectory.Create(Path.Combine(root, "hub"), new HubOptions { Port = NodeCommand.FreePort(), Database = bench.Url });
            await using var database = HubDatabase.Open(hub);
            await database.MigrateAsync(cancellationToken);
            var store = new KeeperStore(database);

            await log.WriteLineAsync($"bench keeper: filling {files:N0} kept files × {Shares} shares on {bench.Description}");
            var clock = Stopwatch.StartNew();
            await FillAsync(database, store, files, cancellationToken);
            var fill = clock.Elapsed.TotalSeconds;

            var below = 0;
            var recount = await TimeAsync(async () => below = (await store.RecountAsync(Threshold, 1000, 1, cancellationToken)).Count);
            long rows = 0;
            var baseline = await TimeAsync(async () => rows = await CountSharesAsync(database, cancellationToken));
            return new KeeperBenchResult(files, rows, bench.Description, fill, below, recount, baseline, recount.BestSeconds / baseline.BestSeconds);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>Ten nodes (node8 disqualified, node9 unreachable) and the files with their shares, each in one statement.</summary>
    private static async Task FillAsync(HubDatabase database, KeeperStore store, int files, CancellationToken cancellationToken)
    {
        var options = new KeeperOptions();
        await store.SaveNodesAsync(
            [.. Enumerable.Range(0, Nodes).Select(i => new KeptNode(
                $"node{i}",
                i == 8 ? Reputation.New(options) with { Standing = NodeStanding.Disqualified } : Reputation.New(options),
                Reachable: i != 9,
                0,
                null,
                0))],
            [],
            cancellationToken);

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        using (var insertFiles = Sql.Command(
                   connection,
                   """
                   WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @files)
                   INSERT INTO keeper_file (storage_index, verify_cap, extension, needed, total, added_at, healthy, checked_at)
                   SELECT 'bench' || i, 'URI:CHK-Verifier:bench' || i, @extension, 3, 10, 0, 10, 0 FROM n
                   """,
                   ("files", files),
                   ("extension", new byte[64])))
        {
            insertFiles.Transaction = transaction;
            insertFiles.CommandTimeout = 0;
            await insertFiles.ExecuteNonQueryAsync(cancellationToken);
        }

        var shares = string.Join(" UNION ALL ", Enumerable.Range(0, Shares).Select(s => $"SELECT {s} AS share, 'node{s % Nodes}' AS node_id"));
        using (var insertShares = Sql.Command(
                   connection,
                   $"INSERT INTO keeper_share (file_id, share, node_id, state, leased_at, audited_at) SELECT f.id, s.share, s.node_id, {ShareState.Held}, 0, 0 FROM keeper_file f CROSS JOIN ({shares}) s"))
        {
            insertShares.Transaction = transaction;
            insertShares.CommandTimeout = 0;
            await insertShares.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (database.Dialect == SqlDialect.Postgres)
        {
            using var analyze = Sql.Command(connection, "ANALYZE");
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static async Task<long> CountSharesAsync(HubDatabase database, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        using var count = Sql.Command(connection, "SELECT COUNT(*) FROM keeper_share");
        return Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private static async Task<Timing> TimeAsync(Func<Task> pass)
    {
        var seconds = new double[Passes];
        for (var i = 0; i < Passes; i++)
        {
            var clock = Stopwatch.StartNew();
            await pass();
            seconds[i] = clock.Elapsed.TotalSeconds;
        }

        Array.Sort(seconds);
        return new Timing(seconds[0], seconds[Passes / 2], 1 / seconds[0]);
    }

    private static string Describe(KeeperBenchResult r) => string.Create(
        CultureInfo.InvariantCulture,
        $"""
        keeper checker over {r.Files:N0} kept files ({r.ShareRows:N0} share rows, 1 of {Nodes} nodes disqualified, 1 unreachable) on {r.Database}
          fill:                        {r.FillSeconds:F1} s
          recount:                     best {r.Recount.BestSeconds:F3} s, median {r.Recount.MedianSeconds:F3} s per pass ({r.Recount.PassesPerSecond:F2} passes/s); {r.FilesBelowThreshold:N0} files below {Threshold} (at most 1,000 listed)
          baseline SELECT COUNT(*):    best {r.CountBaseline.BestSeconds:F3} s, median {r.CountBaseline.MedianSeconds:F3} s per pass ({r.CountBaseline.PassesPerSecond:F2} passes/s)
          recount / baseline:          {r.RecountOverBaseline:F1}x
        """);
}
