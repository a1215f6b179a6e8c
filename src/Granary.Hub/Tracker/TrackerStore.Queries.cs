using System.Runtime.CompilerServices;

namespace Granary.Hub.Tracker;

/// <summary>A file as <c>/file/…</c> shows it: its active hosts' addresses and its chunks in id order.</summary>
internal sealed record FileView(long Id, string Name, string FullHash, IReadOnlyList<string> PeerIps, IReadOnlyList<ChunkSpec> Chunks);

/// <summary>A row of <c>/file_list</c>.</summary>
internal readonly record struct FileListRow(long Id, string Name, string FullHash, long ActivePeers);

/// <summary>What <c>/peer_status</c> tells a peer about itself.</summary>
internal sealed record PeerStatus(IReadOnlyList<(long Id, string Name, string FullHash)> Files, long ExpectedSeq, long ExpectedKaSeq);

/// <summary>Totals for the dashboard.</summary>
internal sealed record TrackerTotals(long Files, long Peers, long ActivePeers, long Hosts);

internal sealed partial class TrackerStore
{
    private const string ActiveCount =
        "(SELECT COUNT(*) FROM tracker_host h JOIN tracker_peer p ON p.id = h.peer_id WHERE h.file_id = f.id AND p.ka_at >= @cutoff)";

    /// <summary>The oldest keep-alive instant that still counts as active.</summary>
    public long ActiveCutoff(TimeSpan timeout) => MonotonicMicros() - (timeout.Ticks / 10);

    /// <summary>Every file in id order with its number of active hosts, read row by row (the caller streams them out).</summary>
    public async IAsyncEnumerable<FileListRow> FileListAsync(long cutoff, long afterId, int limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Data.Sql.Command(
            connection,
            $"SELECT f.id, f.name, f.full_hash, {ActiveCount} FROM tracker_file f WHERE f.id > @after ORDER BY f.id LIMIT @limit",
            ("cutoff", cutoff), ("after", afterId), ("limit", limit));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new FileListRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3));
        }
    }

    /// <summary>A file by id or by hash with its active hosts and chunks; null when there is no such file.</summary>
    public Task<FileView?> FileAsync(long? id, string? hash, long cutoff, CancellationToken cancellationToken) => ReadAsync(async tx =>
    {
        long fileId;
        string name;
        string fullHash;
        using (var lookup = id is { } byId
            ? tx.Command("SELECT id, name, full_hash FROM tracker_file WHERE id = @id", ("id", byId))
            : tx.Command("SELECT id, name, full_hash FROM tracker_file WHERE full_hash = @hash", ("hash", hash!)))
        {
            using var reader = await lookup.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            (fileId, name, fullHash) = (reader.GetInt64(0), reader.GetString(1), reader.GetString(2));
        }

        var peers = new List<string>();
        using (var hosts = tx.Command(
            "SELECT p.ip FROM tracker_host h JOIN tracker_peer p ON p.id = h.peer_id WHERE h.file_id = @file AND p.ka_at >= @cutoff ORDER BY p.id",
            ("file", fileId), ("cutoff", cutoff)))
        {
            using var reader = await hosts.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                peers.Add(reader.GetString(0));
            }
        }

        var chunks = new List<ChunkSpec>();
        using (var rows = tx.Command("SELECT chunk_id, name, hash FROM tracker_chunk WHERE file_id = @file ORDER BY chunk_id", ("file", fileId)))
        {
            using var reader = await rows.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                chunks.Add(new ChunkSpec(Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), reader.GetString(1), reader.GetString(2)));
            }
        }

        return new FileView(fileId, name, fullHash, peers, chunks);
    }, cancellationToken);

    /// <summary>The files a peer hosts (whatever its liveness) and its expected counters; null for an unknown guid.</summary>
    public Task<PeerStatus?> PeerStatusAsync(string guid, CancellationToken cancellationToken) => ReadAsync(async tx =>
    {
        long peerId;
        long seq;
        long kaSeq;
        using (var lookup = tx.Command("SELECT id, seq, ka_seq FROM tracker_peer WHERE guid = @guid", ("guid", guid)))
        {
            using var reader = await lookup.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            (peerId, seq, kaSeq) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }

        var files = new List<(long, string, string)>();
        using (var hosted = tx.Command(
            "SELECT f.id, f.name, f.full_hash FROM tracker_host h JOIN tracker_file f ON f.id = h.file_id WHERE h.peer_id = @peer ORDER BY f.id", ("peer", peerId)))
        {
            using var reader = await hosted.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                files.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        return (PeerStatus?)new PeerStatus(files, seq, kaSeq);
    }, cancellationToken);

    public Task<TrackerTotals> TotalsAsync(long cutoff, CancellationToken cancellationToken) => ReadAsync(async tx => new TrackerTotals(
        await tx.LongAsync("SELECT COUNT(*) FROM tracker_file", cancellationToken).ConfigureAwait(false) ?? 0,
        await tx.LongAsync("SELECT COUNT(*) FROM tracker_peer", cancellationToken).ConfigureAwait(false) ?? 0,
        await tx.LongAsync("SELECT COUNT(*) FROM tracker_peer WHERE ka_at >= @cutoff", cancellationToken, ("cutoff", cutoff)).ConfigureAwait(false) ?? 0,
        await tx.LongAsync("SELECT COUNT(*) FROM tracker_host", cancellationToken).ConfigureAwait(false) ?? 0), cancellationToken);

    /// <summary>Active peers, most recently kept alive first, for the dashboard: a short guid prefix only (guids are secrets).</summary>
    public Task<IReadOnlyList<(string GuidPrefix, string Ip, long AgeMicros, long Files)>> ActivePeersAsync(long cutoff, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<(string, string, long, long)>>(async tx =>
        {
            var now = MonotonicMicros();
            using var command = tx.Command(
                "SELECT p.guid, p.ip, p.ka_at, (SELECT COUNT(*) FROM tracker_host h WHERE h.peer_id = p.id) FROM tracker_peer p WHERE p.ka_at >= @cutoff ORDER BY p.ka_at DESC LIMIT @limit",
                ("cutoff", cutoff), ("limit", limit));
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var peers = new List<(string, string, long, long)>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                peers.Add((reader.GetString(0)[..8], reader.GetString(1), now - reader.GetInt64(2), reader.GetInt64(3)));
            }

            return peers;
        }, cancellationToken);
}
