using System.Globalization;
using Granary.Hub.Data;
using Granary.Hub.Keeper;

namespace Granary.Hub.Tests.Keeper;

/// <summary>The keeper's tables through <see cref="KeeperStore"/>, on SQLite and on PostgreSQL (the subclasses at the end).</summary>
public abstract class KeeperStoreTests
{
    private static readonly KeeperOptions Options = new();
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract Backend Backend { get; }

    /// <summary>A hub whose keeper is off (its store is driven by the test alone) and a store over its database.</summary>
    private sealed class Fixture : IAsyncDisposable
    {
        private Fixture(TestHub hub, HubDatabase database)
        {
            Hub = hub;
            Database = database;
            Store = new KeeperStore(database);
        }

        public TestHub Hub { get; }

        public HubDatabase Database { get; }

        public KeeperStore Store { get; }

        public static async Task<Fixture> StartAsync(Backend backend)
        {
            var hub = await TestHub.StartAsync(backend, o => o.Keeper.Enabled = false);
            return new Fixture(hub, HubDatabase.Open(hub.Hub));
        }

        public async Task<long> CountAsync(string sql)
        {
            await using var connection = await Database.OpenConnectionAsync(None);
            using var command = Sql.Command(connection, sql);
            return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        public async Task ExecuteAsync(string sql)
        {
            await using var connection = await Database.OpenConnectionAsync(None);
            using var command = Sql.Command(connection, sql);
            await command.ExecuteNonQueryAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await Database.DisposeAsync();
            await Hub.DisposeAsync();
        }
    }

    private static string Index(int i) => $"si{i:D4}";

    private static (int Share, string NodeId)[] Spread(int shares, int nodes) =>
        [.. Enumerable.Range(0, shares).Select(s => (s, $"node{s % nodes}"))];

    private static Task<KeepOutcome> KeepAsync(KeeperStore store, string client, int file, (int, string)[] shares, int max = 100, long now = 1) =>
        store.KeepAsync(client, Index(file), $"URI:CHK-Verifier:{Index(file)}", [1, 2, 3], 3, 10, shares, max, now, None);

    private static async Task SaveNodesAsync(KeeperStore store, int count, Func<int, KeptNode, KeptNode>? change = null)
    {
        var nodes = Enumerable.Range(0, count).Select(i =>
        {
            var node = new KeptNode($"node{i}", Reputation.New(Options), true, 0, null, 0);
            return change is null ? node : change(i, node);
        }).ToList();
        await store.SaveNodesAsync(nodes, [], None);
    }

    private static KeptNode Disqualified(KeptNode node) =>
        node with { Reputation = node.Reputation with { Standing = NodeStanding.Disqualified } };

    [Fact]
    public async Task Keeping_is_added_once_per_client_and_bounded_per_client()
    {
        await using var f = await Fixture.StartAsync(Backend);
        Assert.Equal(KeepOutcome.Added, await KeepAsync(f.Store, "alice", 1, Spread(10, 10), max: 2));
        Assert.Equal(KeepOutcome.AlreadyKept, await KeepAsync(f.Store, "alice", 1, Spread(10, 10), max: 2));
        Assert.Equal(KeepOutcome.Added, await KeepAsync(f.Store, "alice", 2, Spread(10, 10), max: 2));
        Assert.Equal(KeepOutcome.LimitReached, await KeepAsync(f.Store, "alice", 3, Spread(10, 10), max: 2));
        // The limit is per client: another client keeps a third file, and the first file too.
        Assert.Equal(KeepOutcome.Added, await KeepAsync(f.Store, "bob", 3, Spread(10, 10), max: 2));
        Assert.Equal(KeepOutcome.Added, await KeepAsync(f.Store, "bob", 1, Spread(10, 10), max: 2));

        Assert.Equal(3, await f.CountAsync("SELECT COUNT(*) FROM keeper_file"));
        Assert.Equal(30, await f.CountAsync("SELECT COUNT(*) FROM keeper_share"));
        Assert.Equal([Index(1), Index(2)], (await f.Store.ClientFilesAsync("alice", None)).Select(x => x.Status.StorageIndex));
        var first = (await f.Store.ClientFilesAsync("alice", None))[0];
        Assert.Equal(($"URI:CHK-Verifier:{Index(1)}", 10, 10), (first.VerifyCap, first.Status.Total, first.Status.HealthyShares));
    }

    [Fact]
    public async Task A_file_two_clients_keep_stays_until_the_last_forgets_it_and_then_its_shares_go()
    {
        await using var f = await Fixture.StartAsync(Backend);
        await KeepAsync(f.Store, "alice", 1, Spread(10, 10));
        await KeepAsync(f.Store, "bob", 1, Spread(10, 10));
        await KeepAsync(f.Store, "bob", 2, Spread(10, 10));

        Assert.False(await f.Store.ForgetAsync("carol", Index(1), None));
        Assert.False(await f.Store.ForgetAsync("alice", Index(9), None));
        Assert.True(await f.Store.ForgetAsync("alice", Index(1), None));
        Assert.False(await f.Store.ForgetAsync("alice", Index(1), None));
        Assert.Equal(2, await f.CountAsync("SELECT COUNT(*) FROM keeper_file"));
        Assert.Equal(20, await f.CountAsync("SELECT COUNT(*) FROM keeper_share"));
        Assert.Empty(await f.Store.ClientFilesAsync("alice", None));

        Assert.True(await f.Store.ForgetAsync("bob", Index(1), None));
        Assert.Equal(1, await f.CountAsync("SELECT COUNT(*) FROM keeper_file"));
        Assert.Equal(10, await f.CountAsync("SELECT COUNT(*) FROM keeper_share"));
        Assert.Equal(0, await f.CountAsync($"SELECT COUNT(*) FROM keeper_share s JOIN keeper_file x ON x.id = s.file_id WHERE x.storage_index = '{Index(1)}'"));
        Assert.Equal([Index(2)], (await f.Store.ClientFilesAsync("bob", None)).Select(x => x.Status.StorageIndex));
    }

    [Fact]
    public async Task Audits_go_to_the_least_recently_audited_shares_and_never_to_a_disqualified_node()
    {
        await using var f = await Fixture.StartAsync(Backend);
        await SaveNodesAsync(f.Store, 3, (i, n) => i == 2 ? Disqualified(n) : n);
        await KeepAsync(f.Store, "alice", 1, Spread(6, 3));

        var all = await f.Store.SharesToAuditAsync(100, None);
        Assert.Equal([0, 1, 3, 4], all.Select(s => s.Share));
        Assert.DoesNotContain(all, s => s.NodeId == "node2");
        Assert.Equal(Index(1), all[0].File.StorageIndex);
        Assert.Equal(new byte[] { 1, 2, 3 }, all[0].File.Extension);

        // Share 0 passes and share 1 fails at time 50: the two never-audited shares come first now,
        // and the failed one is no longer handed out.
        var nodes = await f.Store.NodesAsync(None);
        var node0 = nodes["node0"] with { Reputation = nodes["node0"].Reputation.After(true, Options), AuditedAt = 50 };
        var node1 = nodes["node1"] with { Reputation = nodes["node1"].Reputation.After(false, Options), AuditedAt = 50, LastFailure = "gone" };
        await f.Store.RecordAuditsAsync(
            [(all[0], ShareState.Held), (all[1], ShareState.FailedAudit)],
            new Dictionary<string, KeptNode> { ["node0"] = node0, ["node1"] = node1 },
            [new KeeperDecision(50, "audit-failed", "node1", Index(1), "share 1 gone")],
            50,
            None);

        Assert.Equal([3, 4, 0], (await f.Store.SharesToAuditAsync(100, None)).Select(s => s.Share));
        Assert.Equal([3], (await f.Store.SharesToAuditAsync(1, None)).Select(s => s.Share));
        Assert.Equal(1, await f.CountAsync($"SELECT COUNT(*) FROM keeper_share WHERE state = {ShareState.FailedAudit}"));
        Assert.Equal(50, await f.CountAsync($"SELECT audited_at FROM keeper_file WHERE storage_index = '{Index(1)}'"));

        var saved = await f.Store.NodesAsync(None);
        Assert.Equal((1L, 0L), (saved["node0"].Reputation.Passed, saved["node0"].Reputation.Failed));
        Assert.Equal((0L, 1L, "gone"), (saved["node1"].Reputation.Passed, saved["node1"].Reputation.Failed, saved["node1"].LastFailure));
        Assert.Equal(node1.Reputation.Score, saved["node1"].Reputation.Score, 12);
        Assert.Equal(NodeStanding.Disqualified, saved["node2"].Reputation.Standing);
        var decision = Assert.Single(await f.Store.RecentDecisionsAsync(10, None));
        Assert.Equal(("audit-failed", "node1", Index(1)), (decision.Kind, decision.NodeId, decision.StorageIndex));
    }

    [Fact]
    public async Task A_recount_counts_distinct_held_shares_on_reachable_nodes_in_good_standing_and_returns_the_worst_first()
    {
        await using var f = await Fixture.StartAsync(Backend);
        // node7 unreachable, node8 disqualified; node9 holds a second copy of share 0 of every file.
        await SaveNodesAsync(f.Store, 10, (i, n) => i switch
        {
            7 => n with { Reachable = false },
            8 => Disqualified(n),
            _ => n,
        });

        // File 1: all ten shares, two lost to node7 and node8, share 0 twice: 8 healthy.
        await KeepAsync(f.Store, "alice", 1, [.. Spread(10, 10), (0, "node9")]);
        // File 2: shares 0-6 only (7 healthy).
        await KeepAsync(f.Store, "alice", 2, Spread(7, 10));
        // File 3: shares 0-9 on nodes 0-6 and 9 only: all healthy.
        await KeepAsync(f.Store, "alice", 3, [.. Enumerable.Range(0, 10).Select(s => (s, $"node{(s is 7 or 8 ? 9 : s)}"))]);
        // File 4: eight shares, one of which failed an audit: 7 healthy, like file 2.
        await KeepAsync(f.Store, "alice", 4, [.. Enumerable.Range(0, 7).Select(s => (s, $"node{s}")), (9, "node9")]);
        await f.ExecuteAsync($"UPDATE keeper_share SET state = {ShareState.FailedAudit} WHERE share = 9 AND file_id = (SELECT id FROM keeper_file WHERE storage_index = '{Index(4)}')");

        var below = await f.Store.RecountAsync(threshold: 9, limit: 100, now: 77, None);
        Assert.Equal([Index(2), Index(4), Index(1)], below.Select(x => x.StorageIndex));
        var healthy = (await f.Store.FilesAsync(100, None)).ToDictionary(s => s.StorageIndex, s => (s.HealthyShares, s.CheckedAt));
        Assert.Equal((8, 77L), healthy[Index(1)]);
        Assert.Equal((7, 77L), healthy[Index(2)]);
        Assert.Equal((10, 77L), healthy[Index(3)]);
        Assert.Equal((7, 77L), healthy[Index(4)]);
        Assert.Equal((4L, 3L), await f.Store.FileTotalsAsync(None));

        // The threshold is capped at each file's n: 7 healthy of a 3-of-7 file is whole.
        await f.Store.KeepAsync("bob", Index(5), "URI:CHK-Verifier:x", [1], 3, 7, Spread(7, 7), 100, 1, None);
        Assert.DoesNotContain(Index(5), (await f.Store.RecountAsync(9, 100, 78, None)).Select(x => x.StorageIndex));
        Assert.Equal([Index(2)], (await f.Store.RecountAsync(9, 1, 79, None)).Select(x => x.StorageIndex));
        Assert.Empty(await f.Store.RecountAsync(7, 100, 80, None));
    }

    [Fact]
    public async Task Leases_fall_due_per_file_and_node_and_marking_them_leased_clears_them()
    {
        await using var f = await Fixture.StartAsync(Backend);
        await KeepAsync(f.Store, "alice", 1, Spread(4, 2));
        await KeepAsync(f.Store, "alice", 2, Spread(2, 2));

        var due = await f.Store.LeasesDueAsync(before: 10, limit: 100, None);
        Assert.Equal([(Index(1), "node0"), (Index(1), "node1"), (Index(2), "node0"), (Index(2), "node1")], due.Select(d => (d.File.StorageIndex, d.NodeId)));
        Assert.Equal(2, (await f.Store.LeasesDueAsync(10, 2, None)).Count);

        await f.Store.MarkLeasedAsync([(due[0].File.Id, "node0"), (due[3].File.Id, "node1")], now: 20, None);
        Assert.Equal([(Index(1), "node1"), (Index(2), "node0")], (await f.Store.LeasesDueAsync(10, 100, None)).Select(d => (d.File.StorageIndex, d.NodeId)));
        Assert.Equal(4, (await f.Store.LeasesDueAsync(21, 100, None)).Count);
        Assert.Equal(3, await f.CountAsync("SELECT COUNT(*) FROM keeper_share WHERE leased_at = 20"));
        await f.Store.MarkLeasedAsync([], 30, None);
    }

    [Fact]
    public async Task A_repair_replaces_the_files_share_rows_and_a_failed_one_only_records_its_error()
    {
        await using var f = await Fixture.StartAsync(Backend);
        await SaveNodesAsync(f.Store, 12);
        await KeepAsync(f.Store, "alice", 1, Spread(10, 10));
        await KeepAsync(f.Store, "alice", 2, Spread(10, 10));
        var file = (await f.Store.SharesToAuditAsync(1, None))[0].File;
        Assert.Equal(Index(1), file.StorageIndex);
        await f.ExecuteAsync($"UPDATE keeper_share SET state = {ShareState.FailedAudit} WHERE file_id = {file.Id} AND share < 4");

        var failed = new KeeperDecision(90, "repair-failed", null, file.StorageIndex, "not enough nodes");
        await f.Store.RecordRepairAsync(file, [], 0, "not enough nodes", 90, failed, None);
        Assert.Equal(10, await f.CountAsync($"SELECT COUNT(*) FROM keeper_share WHERE file_id = {file.Id}"));
        Assert.Equal("not enough nodes", (await f.Store.FilesAsync(10, None)).Single(s => s.StorageIndex == file.StorageIndex).RepairError);

        // Shares 0-3 now on node10 and node11, 4-9 where they were.
        (int, string)[] holdings = [.. Enumerable.Range(0, 10).Select(s => (s, s < 4 ? $"node{10 + (s % 2)}" : $"node{s}"))];
        await f.Store.RecordRepairAsync(file, holdings, 10, null, 100, new KeeperDecision(100, "repaired", null, file.StorageIndex, "4 shares"), None);
        Assert.Equal(10, await f.CountAsync($"SELECT COUNT(*) FROM keeper_share WHERE file_id = {file.Id}"));
        Assert.Equal(0, await f.CountAsync($"SELECT COUNT(*) FROM keeper_share WHERE file_id = {file.Id} AND (state <> {ShareState.Held} OR leased_at <> 100)"));
        Assert.Equal(2, await f.CountAsync($"SELECT COUNT(*) FROM keeper_share WHERE file_id = {file.Id} AND node_id = 'node10'"));
        Assert.Equal(0, await f.CountAsync($"SELECT COUNT(*) FROM keeper_share WHERE file_id = {file.Id} AND node_id = 'node0'"));
        // The other file is untouched.
        Assert.Equal(10, await f.CountAsync($"SELECT COUNT(*) FROM keeper_share WHERE file_id <> {file.Id} AND leased_at = 0"));
        var status = (await f.Store.FilesAsync(10, None)).Single(s => s.StorageIndex == file.StorageIndex);
        Assert.Equal((10, 100L, (string?)null), (status.HealthyShares, status.RepairedAt, status.RepairError));
        Assert.Equal(["repaired", "repair-failed"], (await f.Store.RecentDecisionsAsync(10, None)).Select(d => d.Kind));
    }

    [Fact]
    public async Task A_stale_share_is_audited_again_but_not_counted_and_a_mutable_recheck_records_its_problem_once_until_the_file_is_whole()
    {
        await using var f = await Fixture.StartAsync(Backend);
        await SaveNodesAsync(f.Store, 10);
        await KeepAsync(f.Store, "alice", 1, Spread(10, 10));
        var shares = await f.Store.SharesToAuditAsync(100, None);
        var nodes = await f.Store.NodesAsync(None);
        await f.Store.RecordAuditsAsync([.. shares.Select(s => (s, s.Share == 0 ? ShareState.Stale : ShareState.Held))], nodes, [], 50, None);
        Assert.Equal(10, (await f.Store.SharesToAuditAsync(100, None)).Count); // the stale one too
        var file = Assert.Single(await f.Store.RecountAsync(10, 100, 60, None));
        Assert.Equal(9, (await f.Store.FilesAsync(10, None)).Single().HealthyShares);

        await f.Store.UpdateVersionAsync(file.Id, [9, 9], 4, 10, None);
        var updated = (await f.Store.SharesToAuditAsync(1, None))[0].File;
        Assert.Equal(new byte[] { 9, 9 }, updated.Extension);
        Assert.Equal(4, updated.Needed);

        // A recheck finds share 0 still stale (said already, by the audit) and share 1 newly stale (said once).
        var all = Spread(10, 10).ToList();
        var recheck = new MutableHoldings(null, [.. all.Skip(2)], [(0, all[0].Item2, 1), (1, all[1].Item2, 1)]);
        Assert.True(await f.Store.RecordMutableRecheckAsync(file, recheck, "needs the write cap", 70, None));
        Assert.False(await f.Store.RecordMutableRecheckAsync(file, recheck, "needs the write cap", 80, None)); // nothing new to say
        Assert.Equal(10, await f.CountAsync($"SELECT COUNT(*) FROM keeper_share WHERE file_id = {file.Id}"));
        Assert.Equal(2, await f.CountAsync($"SELECT COUNT(*) FROM keeper_share WHERE file_id = {file.Id} AND state = {ShareState.Stale}"));
        Assert.Equal(10, (await f.Store.SharesToAuditAsync(100, None)).Count); // the stale ones are audited again
        Assert.Equal(8, (await f.Store.FilesAsync(10, None)).Single().HealthyShares);
        Assert.Equal("needs the write cap", (await f.Store.FilesAsync(10, None)).Single().RepairError);
        var decisions = await f.Store.RecentDecisionsAsync(10, None);
        Assert.Equal(["repair-needs-write-cap", "share-stale"], decisions.Select(d => d.Kind));
        Assert.Equal(all[1].Item2, decisions[1].NodeId);
        // Rows that stay keep their audit and lease times (a recheck is no audit and renews nothing).
        Assert.Equal(10, await f.CountAsync($"SELECT COUNT(*) FROM keeper_share WHERE file_id = {file.Id} AND audited_at = 50"));

        // A holder the recheck no longer finds loses its row, and only that one.
        await f.Store.RecordMutableRecheckAsync(file, recheck with { Current = [.. all.Skip(3)] }, "needs the write cap", 85, None);
        Assert.Equal(9, await f.CountAsync($"SELECT COUNT(*) FROM keeper_share WHERE file_id = {file.Id} AND audited_at = 50"));
        Assert.Equal(0, await f.CountAsync($"SELECT COUNT(*) FROM keeper_share WHERE file_id = {file.Id} AND share = 2"));

        // The owner repairs it: the next recount finds it whole and clears the problem.
        await f.Store.RecordMutableRecheckAsync(file, new MutableHoldings(null, all, []), "needs the write cap", 90, None);
        Assert.Empty(await f.Store.RecountAsync(10, 100, 100, None));
        Assert.Null((await f.Store.FilesAsync(10, None)).Single().RepairError);
    }
}

public sealed class KeeperStoreOnSqliteTests : KeeperStoreTests
{
    protected override Backend Backend => Backend.Sqlite;
}

public sealed class KeeperStoreOnPostgresTests : KeeperStoreTests
{
    protected override Backend Backend => Backend.Postgres;
}
