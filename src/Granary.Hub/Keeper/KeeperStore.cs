using System.Data.Common;
using System.Globalization;
using Granary.Core.Mutable;
using Granary.Hub.Data;

namespace Granary.Hub.Keeper;

/// <summary>A kept file as the keeper needs it: its verify cap and the URI extension block checked against it. The hub never holds a read cap.</summary>
/// <remarks>For a mutable file <paramref name="Extension"/> holds the header of the newest version seen, whose signature was checked.</remarks>
internal sealed record KeptFile(long Id, string StorageIndex, string VerifyCap, byte[] Extension, int Needed, int Total);

/// <summary>A share the keeper believes a node holds.</summary>
internal sealed record KeptShare(KeptFile File, int Share, string NodeId, int State);

/// <summary>
/// Who holds a mutable file, as read from its nodes: the newest signed version (null if no copy is sound), the
/// holders of that version, and the holders of older sound versions (stale).
/// </summary>
internal sealed record MutableHoldings(MutableVersion? Newest, IReadOnlyList<(int Share, string NodeId)> Current, IReadOnlyList<(int Share, string NodeId, ulong Seqnum)> Stale)
{
    /// <summary>Distinct shares of the newest version.</summary>
    public int Healthy => Current.Select(h => h.Share).Distinct().Count();
}

/// <summary>A kept file's state for the dashboard and <c>GET /api/keeper/files</c>.</summary>
internal sealed record KeptFileStatus(string StorageIndex, int Needed, int Total, int HealthyShares, long CheckedAt, long AuditedAt, long RepairedAt, string? RepairError);

/// <summary>A node's reputation and state as kept.</summary>
internal sealed record KeptNode(string NodeId, Reputation Reputation, bool Reachable, long AuditedAt, string? LastFailure, long StateSince);

/// <summary>Something the keeper decided, kept for the dashboard.</summary>
internal sealed record KeeperDecision(long At, string Kind, string? NodeId, string? StorageIndex, string Detail);

internal enum KeepOutcome
{
    Added,
    AlreadyKept,
    LimitReached,
}

/// <summary>Share states in <c>keeper_share</c>.</summary>
internal static class ShareState
{
    public const int Held = 0;
    public const int FailedAudit = 1;

    /// <summary>A mutable share of an older version than the file's newest: not counted, audited again.</summary>
    public const int Stale = 2;
}

/// <summary>
/// The keeper's tables: kept files (with each client that asked for them), where their shares are,
/// each node's reputation, and a log of decisions. Counting healthy shares is one statement over the
/// whole table, so a checker pass over 100,000 files is a database's work, not a loop's.
/// </summary>
internal sealed class KeeperStore(HubDatabase database)
{
    private const string FileColumns = "f.id, f.storage_index, f.verify_cap, f.extension, f.needed, f.total";

    public HubDatabase Database => database;

    /// <summary>The secret the hub's own lease secrets derive from, made on first use and kept.</summary>
    public async Task<byte[]> LeaseSecretAsync(CancellationToken cancellationToken)
    {
        using (await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false))
        {
            await ExecuteAsync(
                "INSERT INTO keeper_key (id, lease_secret) VALUES (1, @secret) ON CONFLICT (id) DO NOTHING",
                cancellationToken,
                ("secret", System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))).ConfigureAwait(false);
        }

        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var select = Sql.Command(connection, "SELECT lease_secret FROM keeper_key WHERE id = 1");
        return (byte[])(await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Keeps a file for a client with the shares found for it; bounded per client.</summary>
    public async Task<KeepOutcome> KeepAsync(
        string client, string storageIndex, string verifyCap, byte[] extension, int needed, int total,
        IReadOnlyCollection<(int Share, string NodeId)> shares, int maxFilesPerClient, long now, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);

        var existing = await ScalarAsync(connection, transaction, "SELECT id FROM keeper_file WHERE storage_index = @si", cancellationToken, ("si", storageIndex)).ConfigureAwait(false);
        if (existing is not null && await ScalarAsync(
                connection, transaction, "SELECT 1 FROM keeper_owner WHERE file_id = @file AND client = @client", cancellationToken, ("file", existing), ("client", client)).ConfigureAwait(false) is not null)
        {
            return KeepOutcome.AlreadyKept;
        }

        var owned = Convert.ToInt64(await ScalarAsync(connection, transaction, "SELECT COUNT(*) FROM keeper_owner WHERE client = @client", cancellationToken, ("client", client)).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (owned >= maxFilesPerClient)
        {
            return KeepOutcome.LimitReached;
        }

        var fileId = existing is null
            ? Convert.ToInt64(await ScalarAsync(
                connection,
                transaction,
                """
                INSERT INTO keeper_file (storage_index, verify_cap, extension, needed, total, added_at, healthy, checked_at)
                VALUES (@si, @cap, @extension, @needed, @total, @now, @healthy, @now) RETURNING id
                """,
                cancellationToken,
                ("si", storageIndex), ("cap", verifyCap), ("extension", extension), ("needed", needed), ("total", total), ("now", now),
                ("healthy", shares.Select(s => s.Share).Distinct().Count())).ConfigureAwait(false), CultureInfo.InvariantCulture)
            : Convert.ToInt64(existing, CultureInfo.InvariantCulture);
        await ExecuteAsync(connection, transaction, "INSERT INTO keeper_owner (file_id, client, added_at) VALUES (@file, @client, @now)", cancellationToken, ("file", fileId), ("client", client), ("now", now)).ConfigureAwait(false);
        await InsertSharesAsync(connection, transaction, fileId, shares, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return KeepOutcome.Added;
    }

    /// <summary>Stops keeping a file for a client; the file goes when its last client does. False when the client did not keep it.</summary>
    public async Task<bool> ForgetAsync(string client, string storageIndex, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        var fileId = await ScalarAsync(connection, transaction, "SELECT id FROM keeper_file WHERE storage_index = @si", cancellationToken, ("si", storageIndex)).ConfigureAwait(false);
        if (fileId is null || await ExecuteAsync(connection, transaction, "DELETE FROM keeper_owner WHERE file_id = @file AND client = @client", cancellationToken, ("file", fileId), ("client", client)).ConfigureAwait(false) == 0)
        {
            return false;
        }

        if (await ScalarAsync(connection, transaction, "SELECT 1 FROM keeper_owner WHERE file_id = @file", cancellationToken, ("file", fileId)).ConfigureAwait(false) is null)
        {
            await ExecuteAsync(connection, transaction, "DELETE FROM keeper_share WHERE file_id = @file", cancellationToken, ("file", fileId)).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "DELETE FROM keeper_file WHERE id = @file", cancellationToken, ("file", fileId)).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The verify caps of the files a client keeps here, with their state.</summary>
    public async Task<IReadOnlyList<(string VerifyCap, KeptFileStatus Status)>> ClientFilesAsync(string client, CancellationToken cancellationToken)
    {
        var rows = new List<(string, KeptFileStatus)>();
        await foreach (var reader in QueryAsync(
                           $"SELECT f.verify_cap, {StatusColumns} FROM keeper_file f JOIN keeper_owner o ON o.file_id = f.id WHERE o.client = @client ORDER BY f.storage_index",
                           cancellationToken,
                           ("client", client)).ConfigureAwait(false))
        {
            rows.Add((reader.GetString(0), ReadStatus(reader, 1)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<KeptFileStatus>> FilesAsync(int limit, CancellationToken cancellationToken)
    {
        var rows = new List<KeptFileStatus>();
        await foreach (var reader in QueryAsync($"SELECT {StatusColumns} FROM keeper_file f ORDER BY f.healthy, f.storage_index LIMIT @limit", cancellationToken, ("limit", limit)).ConfigureAwait(false))
        {
            rows.Add(ReadStatus(reader, 0));
        }

        return rows;
    }

    public async Task<(long Files, long BelowTotal)> FileTotalsAsync(CancellationToken cancellationToken)
    {
        await foreach (var reader in QueryAsync("SELECT COUNT(*), COALESCE(SUM(CASE WHEN healthy < total THEN 1 ELSE 0 END), 0) FROM keeper_file", cancellationToken).ConfigureAwait(false))
        {
            return (reader.GetInt64(0), reader.GetInt64(1));
        }

        return (0, 0);
    }

    /// <summary>Shares held (or stale, to see whether a write reached them since) by nodes not disqualified, least recently audited first.</summary>
    public async Task<IReadOnlyList<KeptShare>> SharesToAuditAsync(int limit, CancellationToken cancellationToken)
    {
        var shares = new List<KeptShare>(Math.Min(limit, 4096));
        await foreach (var reader in QueryAsync(
                           $"""
                           SELECT {FileColumns}, s.share, s.node_id, s.state FROM keeper_share s
                           JOIN keeper_file f ON f.id = s.file_id
                           JOIN keeper_node n ON n.node_id = s.node_id
                           WHERE s.state IN ({ShareState.Held}, {ShareState.Stale}) AND n.state <> 'Disqualified'
                           ORDER BY s.audited_at, s.file_id, s.share LIMIT @limit
                           """,
                           cancellationToken,
                           ("limit", limit)).ConfigureAwait(false))
        {
            shares.Add(new KeptShare(ReadFile(reader), reader.GetInt32(6), reader.GetString(7), reader.GetInt32(8)));
        }

        return shares;
    }

    /// <summary>Shares whose hub lease was last renewed before <paramref name="before"/>, one row per file and node (of one file, if <paramref name="storageIndex"/> is given).</summary>
    public async Task<IReadOnlyList<(KeptFile File, string NodeId)>> LeasesDueAsync(long before, int limit, CancellationToken cancellationToken, string? storageIndex = null)
    {
        var due = new List<(KeptFile, string)>();
        await foreach (var reader in QueryAsync(
                           $"""
                           SELECT DISTINCT {FileColumns}, s.node_id FROM keeper_share s JOIN keeper_file f ON f.id = s.file_id
                           WHERE s.state = {ShareState.Held} AND s.leased_at < @before {(storageIndex is null ? "" : "AND f.storage_index = @si")}
                           ORDER BY f.id, s.node_id LIMIT @limit
                           """,
                           cancellationToken,
                           ("before", before),
                           ("limit", limit),
                           ("si", storageIndex ?? "")).ConfigureAwait(false))
        {
            due.Add((ReadFile(reader), reader.GetString(6)));
        }

        return due;
    }

    public async Task MarkLeasedAsync(IReadOnlyCollection<(long FileId, string NodeId)> leased, long now, CancellationToken cancellationToken)
    {
        if (leased.Count == 0)
        {
            return;
        }

        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        await InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var (fileId, node) in leased)
            {
                await ExecuteAsync(connection, transaction, "UPDATE keeper_share SET leased_at = @now WHERE file_id = @file AND node_id = @node", cancellationToken, ("now", now), ("file", fileId), ("node", node)).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records audit results: each share's state and time, each node's new reputation, and what was decided.</summary>
    public async Task RecordAuditsAsync(
        IReadOnlyCollection<(KeptShare Share, int State)> results, IReadOnlyDictionary<string, KeptNode> nodes, IReadOnlyCollection<KeeperDecision> decisions, long now, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        await InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var (share, state) in results)
            {
                await ExecuteAsync(
                    connection, transaction,
                    "UPDATE keeper_share SET audited_at = @now, state = @state WHERE file_id = @file AND share = @share AND node_id = @node",
                    cancellationToken,
                    ("now", now), ("state", state), ("file", share.File.Id), ("share", share.Share), ("node", share.NodeId)).ConfigureAwait(false);
            }

            foreach (var fileId in results.Select(r => r.Share.File.Id).Distinct())
            {
                await ExecuteAsync(connection, transaction, "UPDATE keeper_file SET audited_at = @now WHERE id = @file", cancellationToken, ("now", now), ("file", fileId)).ConfigureAwait(false);
            }

            foreach (var node in nodes.Values)
            {
                await WriteNodeAsync(connection, transaction, node, cancellationToken).ConfigureAwait(false);
            }

            await WriteDecisionsAsync(connection, transaction, decisions, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Dictionary<string, KeptNode>> NodesAsync(CancellationToken cancellationToken)
    {
        var nodes = new Dictionary<string, KeptNode>(StringComparer.Ordinal);
        await foreach (var reader in QueryAsync(
                           "SELECT node_id, alpha, beta, passed, failed, state, reachable, audited_at, last_failure, state_since FROM keeper_node ORDER BY node_id",
                           cancellationToken).ConfigureAwait(false))
        {
            var reputation = new Reputation(reader.GetDouble(1), reader.GetDouble(2), reader.GetInt64(3), reader.GetInt64(4), Enum.Parse<NodeStanding>(reader.GetString(5)));
            nodes[reader.GetString(0)] = new KeptNode(
                reader.GetString(0), reputation, reader.GetInt32(6) != 0, reader.GetInt64(7), reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetInt64(9));
        }

        return nodes;
    }

    /// <summary>Writes nodes (new ones, or reachability changes) and decisions.</summary>
    public async Task SaveNodesAsync(IReadOnlyCollection<KeptNode> nodes, IReadOnlyCollection<KeeperDecision> decisions, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        await InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var node in nodes)
            {
                await WriteNodeAsync(connection, transaction, node, cancellationToken).ConfigureAwait(false);
            }

            await WriteDecisionsAsync(connection, transaction, decisions, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Counts every kept file's healthy shares — distinct share numbers held, not failed, on a node
    /// that is reachable and not disqualified — and returns the files below the repair threshold
    /// (<paramref name="threshold"/> capped at each file's n), fewest healthy first.
    /// </summary>
    public async Task<IReadOnlyList<KeptFile>> RecountAsync(int threshold, int limit, long now, CancellationToken cancellationToken)
    {
        using (await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false))
        {
            await ExecuteAsync(
                $"""
                UPDATE keeper_file SET checked_at = @now, healthy = (
                    SELECT COUNT(DISTINCT s.share) FROM keeper_share s JOIN keeper_node n ON n.node_id = s.node_id
                    WHERE s.file_id = keeper_file.id AND s.state = {ShareState.Held} AND n.reachable = 1 AND n.state <> 'Disqualified')
                """,
                cancellationToken,
                ("now", now)).ConfigureAwait(false);

            // A file healthy again (repaired by its owner, or its nodes back) has nothing standing in its way.
            await ExecuteAsync(
                "UPDATE keeper_file SET repair_error = NULL WHERE repair_error IS NOT NULL AND healthy >= (CASE WHEN total < @threshold THEN total ELSE @threshold END)",
                cancellationToken,
                ("threshold", threshold)).ConfigureAwait(false);
        }

        var below = new List<KeptFile>();
        await foreach (var reader in QueryAsync(
                           $"SELECT {FileColumns} FROM keeper_file f WHERE f.healthy < (CASE WHEN f.total < @threshold THEN f.total ELSE @threshold END) ORDER BY f.healthy, f.id LIMIT @limit",
                           cancellationToken,
                           ("threshold", threshold),
                           ("limit", limit)).ConfigureAwait(false))
        {
            below.Add(ReadFile(reader));
        }

        return below;
    }

    /// <summary>After a repair: where the file's shares now are (all held, leased now), its healthy count and the outcome.</summary>
    public async Task RecordRepairAsync(KeptFile file, IReadOnlyCollection<(int Share, string NodeId)> holdings, int healthy, string? error, long now, KeeperDecision decision, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        await InTransactionAsync(async (connection, transaction) =>
        {
            if (error is null)
            {
                await ExecuteAsync(connection, transaction, "DELETE FROM keeper_share WHERE file_id = @file", cancellationToken, ("file", file.Id)).ConfigureAwait(false);
                await InsertSharesAsync(connection, transaction, file.Id, holdings, cancellationToken, leasedAt: now).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, "UPDATE keeper_file SET repaired_at = @now, healthy = @healthy, repair_error = NULL WHERE id = @file", cancellationToken, ("now", now), ("healthy", healthy), ("file", file.Id)).ConfigureAwait(false);
            }
            else
            {
                await ExecuteAsync(connection, transaction, "UPDATE keeper_file SET repair_error = @error WHERE id = @file", cancellationToken, ("error", error), ("file", file.Id)).ConfigureAwait(false);
            }

            await WriteDecisionsAsync(connection, transaction, [decision], cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A mutable file's newest version, seen in an audit or a recheck (its signature checked).</summary>
    public async Task UpdateVersionAsync(long fileId, byte[] header, int needed, int total, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(
            "UPDATE keeper_file SET extension = @header, needed = @needed, total = @total WHERE id = @file",
            cancellationToken,
            ("header", header), ("needed", needed), ("total", total), ("file", fileId)).ConfigureAwait(false);
    }

    /// <summary>
    /// Records what a recheck of a mutable file found: the holders of its newest version (counted) and of older
    /// sound versions (stale: audited again, a decision the first time each is seen), and what stands in the way of
    /// its health (<paramref name="problem"/>, null when nothing). Null holdings leave the shares as they were. A share
    /// row that stays keeps its lease and audit times; a decision about the problem is kept only when it changes,
    /// and the result says whether it did.
    /// </summary>
    public async Task<bool> RecordMutableRecheckAsync(
        KeptFile file, MutableHoldings? holdings, string? problem, long now, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        var changed = false;
        await InTransactionAsync(async (connection, transaction) =>
        {
            if (holdings is not null)
            {
                var was = new Dictionary<(int Share, string NodeId), int>();
                using (var command = Sql.Command(connection, "SELECT share, node_id, state FROM keeper_share WHERE file_id = @file", ("file", file.Id)))
                {
                    command.Transaction = transaction;
                    using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        was[(reader.GetInt32(0), reader.GetString(1))] = reader.GetInt32(2);
                    }
                }

                var wanted = holdings.Current.Select(c => (Key: c, State: ShareState.Held)).Concat(holdings.Stale.Select(s => (Key: (s.Share, s.NodeId), State: ShareState.Stale))).ToList();
                foreach (var gone in was.Keys.Except(wanted.Select(w => w.Key)))
                {
                    await ExecuteAsync(
                        connection, transaction, "DELETE FROM keeper_share WHERE file_id = @file AND share = @share AND node_id = @node", cancellationToken,
                        ("file", file.Id), ("share", gone.Share), ("node", gone.NodeId)).ConfigureAwait(false);
                }

                foreach (var ((share, node), state) in wanted.Where(w => !was.TryGetValue(w.Key, out var before) || before != w.State))
                {
                    await ExecuteAsync(
                        connection, transaction,
                        "INSERT INTO keeper_share (file_id, share, node_id, state, leased_at, audited_at) VALUES (@file, @share, @node, @state, 0, 0) ON CONFLICT (file_id, share, node_id) DO UPDATE SET state = excluded.state",
                        cancellationToken,
                        ("file", file.Id), ("share", share), ("node", node), ("state", state)).ConfigureAwait(false);
                }

                await WriteDecisionsAsync(
                    connection, transaction,
                    holdings.Stale.Where(s => was.GetValueOrDefault((s.Share, s.NodeId), -1) != ShareState.Stale)
                        .Select(s => new KeeperDecision(now, "share-stale", s.NodeId, file.StorageIndex, FormattableString.Invariant($"share {s.Share}: holds seqnum {s.Seqnum}, the newest is {holdings.Newest?.Seqnum}"))),
                    cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(
                    connection, transaction, "UPDATE keeper_file SET healthy = @healthy WHERE id = @file", cancellationToken, ("healthy", holdings.Healthy), ("file", file.Id)).ConfigureAwait(false);
            }

            var before = await ScalarAsync(connection, transaction, "SELECT repair_error FROM keeper_file WHERE id = @file", cancellationToken, ("file", file.Id)).ConfigureAwait(false) as string;
            if (before != problem)
            {
                changed = true;
                await ExecuteAsync(connection, transaction, "UPDATE keeper_file SET repair_error = @problem WHERE id = @file", cancellationToken, ("problem", (object?)problem ?? DBNull.Value), ("file", file.Id)).ConfigureAwait(false);
                await WriteDecisionsAsync(
                    connection, transaction, [new KeeperDecision(now, problem is null ? "mutable-healthy" : "repair-needs-write-cap", null, file.StorageIndex, problem ?? FormattableString.Invariant($"{holdings?.Healthy} shares held"))], cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        return changed;
    }

    public async Task<IReadOnlyList<KeeperDecision>> RecentDecisionsAsync(int limit, CancellationToken cancellationToken)
    {
        var decisions = new List<KeeperDecision>();
        await foreach (var reader in QueryAsync("SELECT at, kind, node_id, storage_index, detail FROM keeper_decision ORDER BY id DESC LIMIT @limit", cancellationToken, ("limit", limit)).ConfigureAwait(false))
        {
            decisions.Add(new KeeperDecision(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4)));
        }

        return decisions;
    }

    private const string StatusColumns = "f.storage_index, f.needed, f.total, f.healthy, f.checked_at, f.audited_at, f.repaired_at, f.repair_error";

    private static KeptFileStatus ReadStatus(DbDataReader reader, int first) => new(
        reader.GetString(first), reader.GetInt32(first + 1), reader.GetInt32(first + 2), reader.GetInt32(first + 3),
        reader.GetInt64(first + 4), reader.GetInt64(first + 5), reader.GetInt64(first + 6), reader.IsDBNull(first + 7) ? null : reader.GetString(first + 7));

    private static KeptFile ReadFile(DbDataReader reader) =>
        new(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), (byte[])reader.GetValue(3), reader.GetInt32(4), reader.GetInt32(5));

    private static async Task InsertSharesAsync(DbConnection connection, DbTransaction transaction, long fileId, IEnumerable<(int Share, string NodeId)> shares, CancellationToken cancellationToken, long leasedAt = 0, int state = ShareState.Held)
    {
        foreach (var (share, node) in shares)
        {
            await ExecuteAsync(
                connection, transaction,
                "INSERT INTO keeper_share (file_id, share, node_id, state, leased_at, audited_at) VALUES (@file, @share, @node, @state, @leased, 0) ON CONFLICT DO NOTHING",
                cancellationToken,
                ("file", fileId), ("share", share), ("node", node), ("state", state), ("leased", leasedAt)).ConfigureAwait(false);
        }
    }

    private static Task<int> WriteNodeAsync(DbConnection connection, DbTransaction transaction, KeptNode node, CancellationToken cancellationToken) =>
        ExecuteAsync(
            connection, transaction,
            """
            INSERT INTO keeper_node (node_id, alpha, beta, passed, failed, state, reachable, audited_at, last_failure, state_since)
            VALUES (@node, @alpha, @beta, @passed, @failed, @state, @reachable, @audited, @failure, @since)
            ON CONFLICT (node_id) DO UPDATE SET alpha = excluded.alpha, beta = excluded.beta, passed = excluded.passed, failed = excluded.failed,
                state = excluded.state, reachable = excluded.reachable, audited_at = excluded.audited_at, last_failure = excluded.last_failure,
                state_since = excluded.state_since
            """,
            cancellationToken,
            ("node", node.NodeId), ("alpha", node.Reputation.Alpha), ("beta", node.Reputation.Beta), ("passed", node.Reputation.Passed),
            ("failed", node.Reputation.Failed), ("state", node.Reputation.Standing.ToString()), ("reachable", node.Reachable ? 1 : 0),
            ("audited", node.AuditedAt), ("failure", (object?)node.LastFailure ?? DBNull.Value), ("since", node.StateSince));

    private static async Task WriteDecisionsAsync(DbConnection connection, DbTransaction transaction, IEnumerable<KeeperDecision> decisions, CancellationToken cancellationToken)
    {
        foreach (var d in decisions)
        {
            await ExecuteAsync(
                connection, transaction,
                "INSERT INTO keeper_decision (at, kind, node_id, storage_index, detail) VALUES (@at, @kind, @node, @si, @detail)",
                cancellationToken,
                ("at", d.At), ("kind", d.Kind), ("node", (object?)d.NodeId ?? DBNull.Value), ("si", (object?)d.StorageIndex ?? DBNull.Value), ("detail", d.Detail)).ConfigureAwait(false);
        }
    }

    private async Task InTransactionAsync(Func<DbConnection, DbTransaction, Task> work, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        await work(connection, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> ExecuteAsync(string text, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(connection, text, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction transaction, string text, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        using var command = Sql.Command(connection, text, parameters);
        command.Transaction = transaction;
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction transaction, string text, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        using var command = Sql.Command(connection, text, parameters);
        command.Transaction = transaction;
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DBNull ? null : value;
    }

    private async IAsyncEnumerable<DbDataReader> QueryAsync(string text, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(connection, text, parameters);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return reader;
        }
    }
}
