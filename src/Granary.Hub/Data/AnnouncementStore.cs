using Granary.Core.Protocol;

namespace Granary.Hub.Data;

/// <summary>
/// The introducer's announcements: the latest one per node. A row outlives its expiry (it is only
/// hidden), so the node's sequence number keeps ruling out replays of older announcements.
/// </summary>
internal sealed class AnnouncementStore(HubDatabase database)
{
    /// <summary>Records an announcement; false when the node already announced this or a later sequence number.</summary>
    public async Task<bool> UpsertAsync(Announcement announcement, long nowMicros, long expiresMicros, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(
            connection,
            """
            INSERT INTO announcement (node_id, storage_url, capacity, available, version, sequence, signature, announced_at, expires_at)
            VALUES (@node, @url, @capacity, @available, @version, @sequence, @signature, @now, @expires)
            ON CONFLICT (node_id) DO UPDATE SET
                storage_url = excluded.storage_url, capacity = excluded.capacity, available = excluded.available,
                version = excluded.version, sequence = excluded.sequence, signature = excluded.signature,
                announced_at = excluded.announced_at, expires_at = excluded.expires_at
            WHERE announcement.sequence < excluded.sequence
            """,
            ("node", announcement.NodeId),
            ("url", announcement.StorageUrl),
            ("capacity", announcement.Capacity),
            ("available", announcement.Available),
            ("version", announcement.Version),
            ("sequence", announcement.Sequence),
            ("signature", announcement.Signature),
            ("now", nowMicros),
            ("expires", expiresMicros));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>Announcements not yet expired at <paramref name="nowMicros"/> of nodes the keeper has not disqualified, most recent first.</summary>
    public async Task<IReadOnlyList<AnnouncedServer>> LiveAsync(long nowMicros, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(
            connection,
            "SELECT node_id, storage_url, capacity, available, version, sequence, announced_at, expires_at FROM announcement WHERE expires_at > @now AND node_id NOT IN (SELECT node_id FROM keeper_node WHERE state = 'Disqualified') ORDER BY announced_at DESC, node_id",
            ("now", nowMicros));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var servers = new List<AnnouncedServer>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            servers.Add(new AnnouncedServer(
                reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4), reader.GetInt64(5),
                HubClock.ToInstant(reader.GetInt64(6)), HubClock.ToInstant(reader.GetInt64(7))));
        }

        return servers;
    }
}
