using System.Buffers;
using System.Data.Common;
using System.Text;
using System.Text.Json;
using Granary.Hub.Data;
using Microsoft.Data.Sqlite;

namespace Granary.Hub.Tracker;

/// <summary>
/// The tracker's state in the hub database: files with their chunks, peers with their two sequence
/// counters and last keep-alive, and which peer hosts which file. Every request is one transaction;
/// a failure at any step rolls everything back, so a refused request leaves no trace (§10.5). The
/// sequence check and its increment are one conditional UPDATE, so concurrent requests of one peer
/// can neither both pass nor both advance the counter.
/// </summary>
/// <remarks>
/// Keep-alive instants are microseconds on this process's monotonic clock (<see cref="MonotonicMicros"/>),
/// meaningless to another process: the store forgets them all when it opens (every peer is
/// inactive until its next keep-alive, which the real client sends every few seconds).
/// </remarks>
internal sealed partial class TrackerStore(HubDatabase database, TrackerJournal journal, TimeProvider time)
{
    private const int InsertBatch = 400;

    private readonly long _start = time.GetTimestamp();

    // Writers hold this shared while they run; a snapshot load takes it whole (§9.3's swap).
    private readonly AsyncGate _gate = new();

    public TrackerJournal Journal => journal;

    public HubDatabase Database => database;

    /// <summary>Microseconds since this store opened, on the monotonic clock; never repeats a value across restarts that matter (all are forgotten at open).</summary>
    public long MonotonicMicros() => (long)(time.GetElapsedTime(_start).Ticks / 10) + 1;

    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        await WriteAsync(async tx =>
        {
            await tx.ExecuteAsync("UPDATE tracker_peer SET ka_at = NULL WHERE ka_at IS NOT NULL", cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<TrackerResult> AddFileAsync(AddFileRequest request, string ip, EventSource? replica, CancellationToken cancellationToken)
    {
        TrackerResult result = default;
        await WriteAsync(async tx =>
        {
            (result, var commit) = await AddFileInAsync(tx, request, ip, replica, cancellationToken).ConfigureAwait(false);
            return commit;
        }, cancellationToken).ConfigureAwait(false);
        return result;
    }

    private async Task<(TrackerResult Result, bool Commit)> AddFileInAsync(TrackerTransaction tx, AddFileRequest request, string ip, EventSource? replica, CancellationToken cancellationToken)
    {
        long peerId;
        string guid;
        if (request.Guid is null)
        {
            if (replica is not null)
            {
                return (TrackerResult.Fail(400, TrackerText.Invalid("a replicated add_file needs a guid")), false);
            }

            // §3.1: a new peer adopts the sequence number it sent; it has never kept alive.
            guid = Guid.NewGuid().ToString("D");
            peerId = (await tx.LongAsync(
                "INSERT INTO tracker_peer (guid, ip, seq, ka_seq) VALUES (@guid, @ip, @seq, 0) RETURNING id",
                cancellationToken, ("guid", guid), ("ip", ip), ("seq", request.Seq + 1)).ConfigureAwait(false))!.Value;
        }
        else
        {
            var claim = await ClaimSeqAsync(tx, request.Guid, request.Seq, ip, replica, createMissing: true, cancellationToken).ConfigureAwait(false);
            if (claim.Result is { } refused)
            {
                return (refused, false);
            }

            if (claim.Seen)
            {
                return (SeenResult, false);
            }

            (peerId, guid) = (claim.PeerId, claim.Guid);
        }

        var fileId = await tx.LongAsync($"SELECT id FROM tracker_file WHERE full_hash = @hash{tx.ForUpdate}", cancellationToken, ("hash", request.FullHash)).ConfigureAwait(false);
        if (fileId is null)
        {
            fileId = await tx.LongAsync(
                "INSERT INTO tracker_file (full_hash, name) VALUES (@hash, @name) ON CONFLICT (full_hash) DO NOTHING RETURNING id",
                cancellationToken, ("hash", request.FullHash), ("name", request.Name)).ConfigureAwait(false);
            if (fileId is { } created)
            {
                await InsertChunksAsync(tx, created, request.Chunks, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Another transaction created it meanwhile (PostgreSQL); it is committed now, so compare with it.
                fileId = await tx.LongAsync($"SELECT id FROM tracker_file WHERE full_hash = @hash{tx.ForUpdate}", cancellationToken, ("hash", request.FullHash)).ConfigureAwait(false);
                if (fileId is null)
                {
                    return (TrackerResult.Fail(503, TrackerText.Unavailable), false);
                }

                if (!await SameChunksAsync(tx, fileId.Value, request.Chunks, cancellationToken).ConfigureAwait(false))
                {
                    return await ReplicaConflictAsync(tx, replica, TrackerResult.Fail(409, TrackerText.Chunks), "add_file", request, guid, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        else if (!await SameChunksAsync(tx, fileId.Value, request.Chunks, cancellationToken).ConfigureAwait(false))
        {
            return await ReplicaConflictAsync(tx, replica, TrackerResult.Fail(409, TrackerText.Chunks), "add_file", request, guid, cancellationToken).ConfigureAwait(false);
        }

        var inserted = await tx.ExecuteAsync(
            "INSERT INTO tracker_host (file_id, peer_id) VALUES (@file, @peer) ON CONFLICT (file_id, peer_id) DO NOTHING",
            cancellationToken, ("file", fileId.Value), ("peer", peerId)).ConfigureAwait(false);
        if (inserted == 0)
        {
            return await ReplicaConflictAsync(tx, replica, TrackerResult.Fail(409, TrackerText.Duplicate(request.Guid!)), "add_file", request, guid, cancellationToken).ConfigureAwait(false);
        }

        await RecordAsync(tx, "add_file", ip, AddFileData(request, guid), replica, cancellationToken).ConfigureAwait(false);
        return (TrackerResult.Ok(fileId.Value, request.Guid ?? guid), true);
    }

    public async Task<TrackerResult> KeepAliveAsync(KeepAliveRequest request, string ip, EventSource? replica, CancellationToken cancellationToken)
    {
        var guid = TrackerRequests.NormalizeGuid(request.Guid);
        if (guid is null)
        {
            return replica is null ? TrackerResult.Fail(404, TrackerText.NoPeer(request.Guid)) : GapResult;
        }

        var now = MonotonicMicros();
        if (replica is null && !journal.Active)
        {
            return await KeepAliveAloneAsync(request, guid, ip, now, cancellationToken).ConfigureAwait(false);
        }

        TrackerResult result = default;
        await WriteAsync(async tx =>
        {
            if (replica is null)
            {
                var updated = await tx.ExecuteAsync(
                    "UPDATE tracker_peer SET ka_seq = ka_seq + 1, ka_at = @now, ip = @ip WHERE guid = @guid AND ka_seq = @sent",
                    cancellationToken, ("now", now), ("ip", ip), ("guid", guid), ("sent", request.KaSeq)).ConfigureAwait(false);
                if (updated == 0)
                {
                    var expected = await tx.LongAsync("SELECT ka_seq FROM tracker_peer WHERE guid = @guid", cancellationToken, ("guid", guid)).ConfigureAwait(false);
                    result = expected is { } e ? TrackerResult.Fail(409, TrackerText.KaSeq(e, request.KaSeq)) : TrackerResult.Fail(404, TrackerText.NoPeer(request.Guid));
                    return false;
                }
            }
            else
            {
                // Keep-alives may be coalesced on the way (only the latest counter matters, §9.2), so a
                // jump forward is applied; an older one is already covered.
                var expected = await tx.LongAsync($"SELECT ka_seq FROM tracker_peer WHERE guid = @guid{tx.ForUpdate}", cancellationToken, ("guid", guid)).ConfigureAwait(false);
                if (expected is null)
                {
                    result = GapResult;
                    return false;
                }

                if (request.KaSeq < expected)
                {
                    result = SeenResult;
                    return false;
                }

                await tx.ExecuteAsync(
                    "UPDATE tracker_peer SET ka_seq = @next, ka_at = @now, ip = @ip WHERE guid = @guid",
                    cancellationToken, ("next", request.KaSeq + 1), ("now", now), ("ip", ip), ("guid", guid)).ConfigureAwait(false);
            }

            await RecordAsync(tx, "keep_alive", ip, KeepAliveData(guid, request.KaSeq), replica, cancellationToken).ConfigureAwait(false);
            result = TrackerResult.Ok();
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return result;
    }

    // With no member to tell, a keep-alive is one conditional UPDATE: its own transaction, the hot path.
    private async Task<TrackerResult> KeepAliveAloneAsync(KeepAliveRequest request, string guid, string ip, long now, CancellationToken cancellationToken)
    {
        using var gate = _gate.TryEnterShared();
        if (!gate.Entered)
        {
            throw new TrackerBusyException();
        }

        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using (var update = Sql.Command(
            connection,
            "UPDATE tracker_peer SET ka_seq = ka_seq + 1, ka_at = @now, ip = @ip WHERE guid = @guid AND ka_seq = @sent",
            ("now", now), ("ip", ip), ("guid", guid), ("sent", request.KaSeq)))
        {
            if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                return TrackerResult.Ok();
            }
        }

        using var select = Sql.Command(connection, "SELECT ka_seq FROM tracker_peer WHERE guid = @guid", ("guid", guid));
        var expected = await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return expected is null or DBNull
            ? TrackerResult.Fail(404, TrackerText.NoPeer(request.Guid))
            : TrackerResult.Fail(409, TrackerText.KaSeq(Convert.ToInt64(expected, System.Globalization.CultureInfo.InvariantCulture), request.KaSeq));
    }

    public async Task<TrackerResult> DeregisterAsync(DeregisterRequest request, string ip, EventSource? replica, CancellationToken cancellationToken)
    {
        TrackerResult result = default;
        await WriteAsync(async tx =>
        {
            var claim = await ClaimSeqAsync(tx, request.Guid, request.Seq, ip, replica, createMissing: false, cancellationToken).ConfigureAwait(false);
            if (claim.Result is { } refused)
            {
                result = refused;
                return false;
            }

            if (claim.Seen)
            {
                result = SeenResult;
                return false;
            }

            DbCommand lookup = request.FileId is { } id
                ? tx.Command($"SELECT id, full_hash FROM tracker_file WHERE id = @id{tx.ForUpdate}", ("id", id))
                : tx.Command($"SELECT id, full_hash FROM tracker_file WHERE full_hash = @hash{tx.ForUpdate}", ("hash", request.FileHash!));
            long? fileId = null;
            string? hash = null;
            using (lookup)
            {
                using var reader = await lookup.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    (fileId, hash) = (reader.GetInt64(0), reader.GetString(1));
                }
            }

            var removed = fileId is { } file
                ? await tx.ExecuteAsync("DELETE FROM tracker_host WHERE file_id = @file AND peer_id = @peer", cancellationToken, ("file", file), ("peer", claim.PeerId)).ConfigureAwait(false)
                : 0;
            if (removed == 0)
            {
                var refusal = request.FileId is { } missingId
                    ? TrackerResult.Fail(404, TrackerText.NotHostingId(request.Guid, missingId))
                    : TrackerResult.Fail(404, TrackerText.NotHostingHash(request.Guid, request.FileHash!));
                if (replica is null)
                {
                    result = refusal;
                    return false;
                }

                // The origin accepted it, so the peer's counter moves here too; the host was not here.
                hash ??= request.FileHash!;
            }
            else if (await tx.LongAsync("SELECT 1 FROM tracker_host WHERE file_id = @file LIMIT 1", cancellationToken, ("file", fileId!.Value)).ConfigureAwait(false) is null)
            {
                // The last host left: the file goes, and its chunks with it (§10.6).
                await tx.ExecuteAsync("DELETE FROM tracker_chunk WHERE file_id = @file", cancellationToken, ("file", fileId.Value)).ConfigureAwait(false);
                await tx.ExecuteAsync("DELETE FROM tracker_file WHERE id = @file", cancellationToken, ("file", fileId.Value)).ConfigureAwait(false);
            }

            // deregister_file by id is replicated by hash: ids are local (§9.2).
            await RecordAsync(tx, "deregister_file_by_hash", ip, DeregisterData(hash!, claim.Guid, request.Seq), replica, cancellationToken).ConfigureAwait(false);
            result = TrackerResult.Ok();
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>A replica's "already applied" answer; a client never gets it.</summary>
    public static readonly TrackerResult SeenResult = new(208, null);

    /// <summary>A replica's "an earlier event is missing" answer.</summary>
    public static readonly TrackerResult GapResult = new(409, TrackerText.OutOfOrder);

    private readonly record struct Claim(TrackerResult? Result, bool Seen, long PeerId, string Guid);

    // The sequence check and increment in one step. For a client the counter must equal what was
    // sent; for a replica (§9.2) lower means seen, higher means a gap, and an unknown peer may be created.
    private static async Task<Claim> ClaimSeqAsync(
        TrackerTransaction tx, string sentGuid, long sent, string ip, EventSource? replica, bool createMissing, CancellationToken cancellationToken)
    {
        var guid = TrackerRequests.NormalizeGuid(sentGuid);
        if (replica is null)
        {
            if (guid is null)
            {
                return new Claim(TrackerResult.Fail(404, TrackerText.NoPeer(sentGuid)), false, 0, "");
            }

            var id = await tx.LongAsync(
                "UPDATE tracker_peer SET seq = seq + 1, ip = @ip WHERE guid = @guid AND seq = @sent RETURNING id",
                cancellationToken, ("ip", ip), ("guid", guid), ("sent", sent)).ConfigureAwait(false);
            if (id is { } peer)
            {
                return new Claim(null, false, peer, guid);
            }

            var expected = await tx.LongAsync("SELECT seq FROM tracker_peer WHERE guid = @guid", cancellationToken, ("guid", guid)).ConfigureAwait(false);
            return new Claim(
                expected is { } e ? TrackerResult.Fail(409, TrackerText.Seq(e, sent)) : TrackerResult.Fail(404, TrackerText.NoPeer(sentGuid)), false, 0, guid);
        }

        if (guid is null)
        {
            return new Claim(TrackerResult.Fail(400, TrackerText.Invalid("guid is not a UUID")), false, 0, "");
        }

        long peerId;
        long current;
        using (var select = tx.Command($"SELECT id, seq FROM tracker_peer WHERE guid = @guid{tx.ForUpdate}", ("guid", guid)))
        {
            using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                peerId = 0;
                current = -1;
            }
            else
            {
                (peerId, current) = (reader.GetInt64(0), reader.GetInt64(1));
            }
        }

        if (current < 0)
        {
            if (!createMissing)
            {
                return new Claim(GapResult, false, 0, guid);
            }

            // As the original: an add_file for a peer this tracker never saw creates it at the event's number.
            var created = await tx.LongAsync(
                "INSERT INTO tracker_peer (guid, ip, seq, ka_seq) VALUES (@guid, @ip, @seq, 0) RETURNING id",
                cancellationToken, ("guid", guid), ("ip", ip), ("seq", sent + 1)).ConfigureAwait(false);
            return new Claim(null, false, created!.Value, guid);
        }

        if (current > sent)
        {
            return new Claim(null, true, peerId, guid);
        }

        if (current < sent)
        {
            return new Claim(GapResult, false, peerId, guid);
        }

        await tx.ExecuteAsync("UPDATE tracker_peer SET seq = seq + 1, ip = @ip WHERE id = @id", cancellationToken, ("ip", ip), ("id", peerId)).ConfigureAwait(false);
        return new Claim(null, false, peerId, guid);
    }

    // A replicated operation that the origin accepted but that does not fit here (a divergence):
    // the peer's counter still moves, so that its later events are not stuck behind this one.
    private async Task<(TrackerResult, bool)> ReplicaConflictAsync(
        TrackerTransaction tx, EventSource? replica, TrackerResult refusal, string kind, AddFileRequest request, string guid, CancellationToken cancellationToken)
    {
        if (replica is null)
        {
            return (refusal, false);
        }

        await RecordAsync(tx, kind, replica.EventIp, AddFileData(request, guid), replica, cancellationToken).ConfigureAwait(false);
        return (TrackerResult.Ok(), true);
    }

    private static async Task<bool> SameChunksAsync(TrackerTransaction tx, long fileId, IReadOnlyList<ChunkSpec> chunks, CancellationToken cancellationToken)
    {
        using var command = tx.Command("SELECT chunk_id, name, hash FROM tracker_chunk WHERE file_id = @file ORDER BY chunk_id", ("file", fileId));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var i = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (i >= chunks.Count)
            {
                return false;
            }

            var chunk = chunks[i++];
            if (Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) != chunk.Id
                || !string.Equals(reader.GetString(1), chunk.Name, StringComparison.Ordinal)
                || !string.Equals(reader.GetString(2), chunk.Hash, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return i == chunks.Count;
    }

    private static async Task InsertChunksAsync(TrackerTransaction tx, long fileId, IReadOnlyList<ChunkSpec> chunks, CancellationToken cancellationToken)
    {
        for (var start = 0; start < chunks.Count; start += InsertBatch)
        {
            var count = Math.Min(InsertBatch, chunks.Count - start);
            using var command = tx.Command("");
            var text = new StringBuilder("INSERT INTO tracker_chunk (file_id, chunk_id, name, hash) VALUES ");
            AddParameter(command, "f", fileId);
            for (var i = 0; i < count; i++)
            {
                var chunk = chunks[start + i];
                text.Append(i == 0 ? "" : ", ").Append("(@f, @i").Append(i).Append(", @n").Append(i).Append(", @h").Append(i).Append(')');
                AddParameter(command, "i" + i, chunk.Id);
                AddParameter(command, "n" + i, chunk.Name);
                AddParameter(command, "h" + i, chunk.Hash);
            }

            command.CommandText = text.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    // Appends the event to the log (only when a member may need it). On PostgreSQL an advisory lock
    // held to the commit makes log order equal commit order, so a reader that sees event n has
    // seen every event before it and a cursor can never skip one.
    private async Task RecordAsync(TrackerTransaction tx, string kind, string ip, string data, EventSource? replica, CancellationToken cancellationToken)
    {
        if (!journal.Active)
        {
            return;
        }

        if (tx.Dialect == SqlDialect.Postgres)
        {
            await tx.ExecuteAsync("SELECT pg_advisory_xact_lock(7042070)", cancellationToken).ConfigureAwait(false);
        }

        await tx.ExecuteAsync(
            "INSERT INTO tracker_event (event_id, origin, origin_seq, sender, kind, event_ip, data, at) VALUES (@id, @origin, @originSeq, @sender, @kind, @ip, @data, @at)",
            cancellationToken,
            ("id", replica?.EventId ?? Guid.NewGuid().ToString("D")),
            ("origin", replica?.Origin ?? journal.SelfId),
            ("originSeq", replica is null ? DBNull.Value : replica.OriginSeq),
            ("sender", (object?)replica?.Sender ?? DBNull.Value),
            ("kind", kind),
            ("ip", replica?.EventIp ?? ip),
            ("data", data),
            ("at", time.GetUtcNow().ToUnixTimeMilliseconds())).ConfigureAwait(false);
        tx.AppendedEvent = true;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction (SQLite: this process's write turn and an
    /// immediate write lock), committing when it returns true and rolling back otherwise. Returns
    /// whether it committed.
    /// </summary>
    internal async Task<bool> WriteAsync(Func<TrackerTransaction, Task<bool>> work, CancellationToken cancellationToken, bool exclusive = false)
    {
        using var gate = exclusive ? await _gate.EnterExclusiveAsync(cancellationToken).ConfigureAwait(false) : _gate.TryEnterShared();
        if (!gate.Entered)
        {
            throw new TrackerBusyException();
        }

        bool committed;
        bool appended;
        using (await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false))
        {
            var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var scope = connection.ConfigureAwait(false);
            var transaction = database.Dialect == SqlDialect.Sqlite
                ? ((SqliteConnection)connection).BeginTransaction(deferred: false)
                : await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var transactionScope = transaction.ConfigureAwait(false);
            var tx = new TrackerTransaction(connection, transaction, database.Dialect);
            committed = await work(tx).ConfigureAwait(false);
            if (committed)
            {
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            appended = committed && tx.AppendedEvent;
        }

        if (appended)
        {
            journal.NotifyAppended();
        }

        return committed;
    }

    /// <summary>Runs <paramref name="work"/> in a read-only transaction: one consistent view of the state.</summary>
    internal async Task<T> ReadAsync<T>(Func<TrackerTransaction, Task<T>> work, CancellationToken cancellationToken, bool repeatable = false)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        var transaction = database.Dialect == SqlDialect.Postgres && repeatable
            ? await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false)
            : await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        var result = await work(new TrackerTransaction(connection, transaction, database.Dialect)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    internal static string AddFileData(AddFileRequest request, string guid) => Json(writer =>
    {
        writer.WriteString("name", request.Name);
        writer.WriteString("full_hash", request.FullHash);
        writer.WriteStartArray("chunks");
        foreach (var chunk in request.Chunks)
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", chunk.Id);
            writer.WriteString("name", chunk.Name);
            writer.WriteString("hash", chunk.Hash);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("guid", guid);
        writer.WriteNumber("seq_number", request.Seq);
    });

    internal static string KeepAliveData(string guid, long kaSeq) => Json(writer =>
    {
        writer.WriteString("guid", guid);
        writer.WriteNumber("ka_seq_number", kaSeq);
    });

    internal static string DeregisterData(string hash, string guid, long seq) => Json(writer =>
    {
        writer.WriteString("file_hash", hash);
        writer.WriteString("guid", guid);
        writer.WriteNumber("seq_number", seq);
    });

    private static string Json(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, TrackerJson.WriterOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>The tracker is swapping in a snapshot; writes wait for it to finish (answered 503).</summary>
internal sealed class TrackerBusyException() : Exception(TrackerText.Resyncing);
