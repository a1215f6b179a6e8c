using Granary.Hub.Data;

namespace Granary.Hub.Tracker;

/// <summary>An event in this tracker's log, as it is sent on.</summary>
internal sealed record LoggedEvent(long Seq, string EventId, string Origin, long OriginSeq, string? Sender, string Kind, string EventIp, string Data);

/// <summary>
/// The event log: every change this tracker made (its own and those it applied for members), in
/// commit order. Each member has a cursor, the last seq delivered to it, so its queue is the tail
/// of the log past the cursor and survives restarts. Keep-alives are pruned as soon as every member
/// has them; other events stay a day too, so their ids keep answering "seen".
/// </summary>
internal sealed partial class TrackerStore
{
    public async Task<long> HeadAsync(CancellationToken cancellationToken) =>
        await ReadAsync(tx => tx.LongAsync("SELECT MAX(seq) FROM tracker_event", cancellationToken), cancellationToken).ConfigureAwait(false) ?? 0;

    public Task<IReadOnlyList<LoggedEvent>> EventsAfterAsync(long after, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<LoggedEvent>>(async tx =>
        {
            using var command = tx.Command(
                "SELECT seq, event_id, origin, origin_seq, sender, kind, event_ip, data FROM tracker_event WHERE seq > @after ORDER BY seq LIMIT @limit",
                ("after", after), ("limit", limit));
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var events = new List<LoggedEvent>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var seq = reader.GetInt64(0);
                events.Add(new LoggedEvent(
                    seq, reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? seq : reader.GetInt64(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7)));
            }

            return events;
        }, cancellationToken);

    public Task<bool> IsSeenAsync(string eventId, CancellationToken cancellationToken) =>
        ReadAsync(async tx => await tx.LongAsync("SELECT 1 FROM tracker_event WHERE event_id = @id", cancellationToken, ("id", eventId)).ConfigureAwait(false) is not null, cancellationToken);

    /// <summary>
    /// Gives a member seen for the first time its cursor at the log's head as it is now (it joins
    /// from now, or by snapshot); a member with a cursor keeps it. Every event committed after this
    /// has a higher seq (PostgreSQL: log order is commit order), so none of them is skipped.
    /// </summary>
    public Task StartCursorAsync(string member, CancellationToken cancellationToken) => ExecuteAsync(
        // "WHERE TRUE": without a WHERE, SQLite would read ON CONFLICT as a join's ON.
        "INSERT INTO tracker_cursor (member_id, delivered, needs_resync) SELECT @member, COALESCE(MAX(seq), 0), 0 FROM tracker_event WHERE TRUE ON CONFLICT (member_id) DO NOTHING",
        cancellationToken, ("member", member));

    /// <summary>A member's cursor (started at the head if it had none).</summary>
    public async Task<(long Delivered, bool NeedsResync)> CursorAsync(string member, CancellationToken cancellationToken)
    {
        await StartCursorAsync(member, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(async tx =>
        {
            using var command = tx.Command("SELECT delivered, needs_resync FROM tracker_cursor WHERE member_id = @member", ("member", member));
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? (reader.GetInt64(0), Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture) != 0)
                : throw new InvalidOperationException($"no cursor for member {member}");
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task SaveCursorAsync(string member, long delivered, bool needsResync, CancellationToken cancellationToken) => ExecuteAsync(
        "INSERT INTO tracker_cursor (member_id, delivered, needs_resync) VALUES (@member, @delivered, @resync) ON CONFLICT (member_id) DO UPDATE SET delivered = excluded.delivered, needs_resync = excluded.needs_resync",
        cancellationToken, ("member", member), ("delivered", delivered), ("resync", needsResync ? 1 : 0));

    public Task DeadLetterAsync(string member, LoggedEvent logged, int status, string error, string envelope, CancellationToken cancellationToken) => ExecuteAsync(
        "INSERT INTO tracker_dead_letter (member_id, event_id, status, error, envelope, at) VALUES (@member, @id, @status, @error, @envelope, @at)",
        cancellationToken, ("member", member), ("id", logged.EventId), ("status", status), ("error", error), ("envelope", envelope), ("at", time.GetUtcNow().ToUnixTimeMilliseconds()));

    public async Task<long> DeadLetterCountAsync(string member, CancellationToken cancellationToken) =>
        await ReadAsync(tx => tx.LongAsync("SELECT COUNT(*) FROM tracker_dead_letter WHERE member_id = @member", cancellationToken, ("member", member)), cancellationToken).ConfigureAwait(false) ?? 0;

    /// <summary>Counts of logged events by origin (for the dashboard and the tests: what this tracker applied).</summary>
    public Task<IReadOnlyDictionary<string, long>> EventCountsAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyDictionary<string, long>>(async tx =>
        {
            using var command = tx.Command("SELECT origin, COUNT(*) FROM tracker_event GROUP BY origin");
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts[reader.GetString(0)] = reader.GetInt64(1);
            }

            return counts;
        }, cancellationToken);

    /// <summary>Drops what every member has: keep-alives at once, other events after a day.</summary>
    public Task PruneAsync(long deliveredToAll, long dayAgoMillis, CancellationToken cancellationToken) => ExecuteAsync(
        "DELETE FROM tracker_event WHERE seq <= @delivered AND (kind = 'keep_alive' OR at < @dayAgo)",
        cancellationToken, ("delivered", deliveredToAll), ("dayAgo", dayAgoMillis));

    public async Task<string?> StateAsync(string key, CancellationToken cancellationToken) =>
        await ReadAsync(tx => tx.StringAsync("SELECT value FROM tracker_state WHERE key = @key", cancellationToken, ("key", key)), cancellationToken).ConfigureAwait(false);

    public Task SetStateAsync(string key, string value, CancellationToken cancellationToken) => ExecuteAsync(
        "INSERT INTO tracker_state (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        cancellationToken, ("key", key), ("value", value));

    private async Task ExecuteAsync(string text, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(connection, text, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
