using System.Buffers;
using System.Text;
using System.Text.Json;
using Granary.Hub.Tracker.Federation;

namespace Granary.Hub.Tracker;

internal sealed partial class TrackerStore
{
    /// <summary>
    /// Writes the whole state as a §9.3 snapshot from one consistent view (PostgreSQL: repeatable
    /// read), returning the last event seq it includes. Since log order is commit order, every
    /// event up to that seq is in the view and none after it.
    /// </summary>
    public Task<(long Head, int Peers, int Files)> WriteSnapshotAsync(
        IBufferWriter<byte> output, IReadOnlyList<TrackerMember> trackers, CancellationToken cancellationToken) => ReadAsync(async tx =>
    {
        using var writer = new Utf8JsonWriter(output, TrackerJson.WriterOptions);
        var head = await tx.LongAsync("SELECT MAX(seq) FROM tracker_event", cancellationToken).ConfigureAwait(false) ?? 0;
        var now = MonotonicMicros();
        writer.WriteStartObject();
        writer.WriteBoolean("success", true);
        writer.WriteString("format", TrackerSnapshot.Format);
        writer.WriteNumber("version", TrackerSnapshot.Version);
        writer.WriteStartObject("data");
        writer.WriteString("origin", journal.SelfId);
        writer.WriteNumber("origin_seq", head);
        writer.WriteStartArray("peers");
        var guids = new Dictionary<long, string>();
        using (var peers = tx.Command("SELECT id, guid, ip, seq, ka_seq, ka_at FROM tracker_peer ORDER BY id"))
        {
            using var reader = await peers.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var guid = reader.GetString(1);
                guids[reader.GetInt64(0)] = guid;
                writer.WriteStartObject();
                writer.WriteString("guid", guid);
                writer.WriteString("ip", reader.GetString(2));
                writer.WriteNumber("expected_seq_number", reader.GetInt64(3));
                writer.WriteNumber("ka_expected_seq_number", reader.GetInt64(4));
                if (reader.IsDBNull(5))
                {
                    writer.WriteNull("keep_alive_age_ms");
                }
                else
                {
                    writer.WriteNumber("keep_alive_age_ms", Math.Max(0, (now - reader.GetInt64(5)) / 1000));
                }

                writer.WriteEndObject();
            }
        }

        writer.WriteEndArray();
        writer.WriteStartArray("files");
        var files = 0;

        // Three ordered scans merged by file id: files, their chunks, their hosts.
        using (var fileCommand = tx.Command("SELECT id, full_hash, name FROM tracker_file ORDER BY id"))
        using (var chunkCommand = tx.Command("SELECT file_id, chunk_id, name, hash FROM tracker_chunk ORDER BY file_id, chunk_id"))
        using (var hostCommand = tx.Command("SELECT file_id, peer_id FROM tracker_host ORDER BY file_id, peer_id"))
        {
            // SQLite and Npgsql both allow one open reader per connection: read the hosts first.
            var hosts = new List<(long File, long Peer)>();
            using (var reader = await hostCommand.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    hosts.Add((reader.GetInt64(0), reader.GetInt64(1)));
                }
            }

            var fileRows = new List<(long Id, string Hash, string Name)>();
            using (var reader = await fileCommand.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    fileRows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
                }
            }

            using var chunks = await chunkCommand.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var hasChunk = await chunks.ReadAsync(cancellationToken).ConfigureAwait(false);
            var hostIndex = 0;
            foreach (var (id, hash, name) in fileRows)
            {
                writer.WriteStartObject();
                writer.WriteString("full_hash", hash);
                writer.WriteString("name", name);
                writer.WriteStartArray("chunks");
                while (hasChunk && chunks.GetInt64(0) <= id)
                {
                    if (chunks.GetInt64(0) == id)
                    {
                        writer.WriteStartObject();
                        writer.WriteNumber("id", Convert.ToInt64(chunks.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
                        writer.WriteString("name", chunks.GetString(2));
                        writer.WriteString("chunk_hash", chunks.GetString(3));
                        writer.WriteEndObject();
                    }

                    hasChunk = await chunks.ReadAsync(cancellationToken).ConfigureAwait(false);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("hosts");
                while (hostIndex < hosts.Count && hosts[hostIndex].File <= id)
                {
                    if (hosts[hostIndex].File == id && guids.TryGetValue(hosts[hostIndex].Peer, out var guid))
                    {
                        writer.WriteStringValue(guid);
                    }

                    hostIndex++;
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
                files++;
                if (writer.BytesPending > 64 * 1024)
                {
                    await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }

        writer.WriteEndArray();
        writer.WriteStartArray("trackers");
        foreach (var member in trackers)
        {
            writer.WriteStartObject();
            writer.WriteString("id", member.Id);
            writer.WriteString("name", member.Name);
            writer.WriteString("url", member.Url.ToString());
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return (head, guids.Count, files);
    }, cancellationToken, repeatable: true);

    /// <summary>
    /// Replaces the whole tracker state with a validated snapshot in one transaction, while client
    /// writes are held off; nothing changes unless all of it loads. File ids are this tracker's own
    /// and continue past every id it ever gave out.
    /// </summary>
    public async Task LoadSnapshotAsync(TrackerSnapshot snapshot, string donor, CancellationToken cancellationToken)
    {
        await WriteAsync(async tx =>
        {
            foreach (var table in (string[])["tracker_host", "tracker_chunk", "tracker_file", "tracker_peer"])
            {
                await tx.ExecuteAsync($"DELETE FROM {table}", cancellationToken).ConfigureAwait(false);
            }

            var now = MonotonicMicros();
            await InsertRowsAsync(tx, "tracker_peer (guid, ip, seq, ka_seq, ka_at)", snapshot.Peers, 5, (p, add) =>
            {
                add(p.Guid);
                add(p.Ip);
                add(p.Seq);
                add(p.KaSeq);
                add(p.KeepAliveAgeMs is { } age ? now - (age * 1000) : DBNull.Value);
            }, cancellationToken).ConfigureAwait(false);
            var peerIds = await IdsAsync(tx, "SELECT id, guid FROM tracker_peer", cancellationToken).ConfigureAwait(false);
            await InsertRowsAsync(tx, "tracker_file (full_hash, name)", snapshot.Files, 2, (f, add) =>
            {
                add(f.FullHash);
                add(f.Name);
            }, cancellationToken).ConfigureAwait(false);
            var fileIds = await IdsAsync(tx, "SELECT id, full_hash FROM tracker_file", cancellationToken).ConfigureAwait(false);
            var chunks = snapshot.Files.SelectMany(f => f.Chunks.Select(c => (File: fileIds[f.FullHash], Chunk: c)));
            await InsertRowsAsync(tx, "tracker_chunk (file_id, chunk_id, name, hash)", chunks, 4, (c, add) =>
            {
                add(c.File);
                add(c.Chunk.Id);
                add(c.Chunk.Name);
                add(c.Chunk.Hash);
            }, cancellationToken).ConfigureAwait(false);
            var hosts = snapshot.Files.SelectMany(f => f.Hosts.Select(h => (File: fileIds[f.FullHash], Peer: peerIds[h])));
            await InsertRowsAsync(tx, "tracker_host (file_id, peer_id)", hosts, 2, (h, add) =>
            {
                add(h.File);
                add(h.Peer);
            }, cancellationToken).ConfigureAwait(false);
            await tx.ExecuteAsync(
                "INSERT INTO tracker_state (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                cancellationToken, ("key", "snapshot:" + donor), ("value", snapshot.OriginSeq.ToString(System.Globalization.CultureInfo.InvariantCulture))).ConfigureAwait(false);
            return true;
        }, cancellationToken, exclusive: true).ConfigureAwait(false);
    }

    private static async Task<Dictionary<string, long>> IdsAsync(TrackerTransaction tx, string text, CancellationToken cancellationToken)
    {
        using var command = tx.Command(text);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids[reader.GetString(1)] = reader.GetInt64(0);
        }

        return ids;
    }

    // Multi-row INSERTs of a few hundred rows each: one round trip per batch on PostgreSQL.
    private static async Task InsertRowsAsync<T>(
        TrackerTransaction tx, string into, IEnumerable<T> rows, int columns, Action<T, Action<object>> values, CancellationToken cancellationToken)
    {
        var rowsPerBatch = Math.Max(1, 2000 / columns);
        using var enumerator = rows.GetEnumerator();
        var more = enumerator.MoveNext();
        while (more)
        {
            using var command = tx.Command("");
            var text = new StringBuilder("INSERT INTO ").Append(into).Append(" VALUES ");
            var parameter = 0;
            for (var row = 0; row < rowsPerBatch && more; row++, more = enumerator.MoveNext())
            {
                text.Append(row == 0 ? "(" : ", (");
                var first = true;
                values(enumerator.Current, value =>
                {
                    var name = "p" + parameter++;
                    text.Append(first ? "@" : ", @").Append(name);
                    first = false;
                    AddParameter(command, name, value);
                });
                text.Append(')');
            }

            command.CommandText = text.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
