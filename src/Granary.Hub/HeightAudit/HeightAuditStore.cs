using System.Data.Common;
using System.Globalization;
using Granary.Hub.Data;

namespace Granary.Hub.HeightAudit;

/// <summary>A challenge issued to a farmer over its claimed height, and (once judged) how it went.</summary>
internal sealed record HeightChallenge(
    long Id, string BtcAddr, string Challenge, IReadOnlyList<long> Shards, int Height, long IssuedAt, long DueAt, long? AnsweredAt, bool? Passed, string? Detail)
{
    public static string ShardList(IEnumerable<long> shards) => string.Join(',', shards.Select(s => s.ToString(CultureInfo.InvariantCulture)));
}

/// <summary>The <c>height_audit</c> table: every challenge issued, the one open per farmer, and the outcomes.</summary>
internal sealed class HeightAuditStore(HubDatabase database)
{
    private const string Columns = "id, btc_addr, challenge, shards, height, issued_at, due_at, answered_at, passed, detail";

    /// <summary>The farmer's newest challenge not judged yet (it may be past its deadline), or null.</summary>
    public async Task<HeightChallenge?> OpenAsync(string btcAddr, CancellationToken cancellationToken)
    {
        var found = await QueryAsync(
            $"SELECT {Columns} FROM height_audit WHERE btc_addr = @btc AND answered_at IS NULL ORDER BY id DESC LIMIT 1", cancellationToken, ("btc", btcAddr)).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<HeightChallenge> IssueAsync(string btcAddr, string challenge, IReadOnlyList<long> shards, int height, long now, long due, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(
            connection,
            "INSERT INTO height_audit (btc_addr, challenge, shards, height, issued_at, due_at) VALUES (@btc, @challenge, @shards, @height, @now, @due) RETURNING id",
            ("btc", btcAddr), ("challenge", challenge), ("shards", HeightChallenge.ShardList(shards)), ("height", height), ("now", now), ("due", due));
        var id = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        return new HeightChallenge(id, btcAddr, challenge, shards, height, now, due, null, null, null);
    }

    /// <summary>Records the outcome of an open challenge; false if it was judged already (an answer raced another).</summary>
    public async Task<bool> JudgeAsync(long id, bool passed, string detail, long now, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(
            connection,
            "UPDATE height_audit SET answered_at = @now, passed = @passed, detail = @detail WHERE id = @id AND answered_at IS NULL",
            ("now", now), ("passed", passed ? 1 : 0), ("detail", detail), ("id", id));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Each farmer's last judged challenge.</summary>
    public async Task<IReadOnlyDictionary<string, HeightChallenge>> LatestJudgedAsync(CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            $"""
            SELECT {string.Join(", ", Columns.Split(", ").Select(c => "h." + c))} FROM height_audit h
            JOIN (SELECT btc_addr, MAX(id) AS id FROM height_audit WHERE answered_at IS NOT NULL GROUP BY btc_addr) l ON l.id = h.id
            """,
            cancellationToken).ConfigureAwait(false);
        return rows.ToDictionary(r => r.BtcAddr, StringComparer.Ordinal);
    }

    private async Task<List<HeightChallenge>> QueryAsync(string text, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(connection, text, parameters);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<HeightChallenge>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(Read(reader));
        }

        return rows;
    }

    private static HeightChallenge Read(DbDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
        [.. reader.GetString(3).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => long.Parse(s, CultureInfo.InvariantCulture))],
        reader.GetInt32(4), reader.GetInt64(5), reader.GetInt64(6),
        reader.IsDBNull(7) ? null : reader.GetInt64(7), reader.IsDBNull(8) ? null : reader.GetInt32(8) == 1, reader.IsDBNull(9) ? null : reader.GetString(9));
}
