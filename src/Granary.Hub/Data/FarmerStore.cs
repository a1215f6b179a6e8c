using System.Data.Common;

namespace Granary.Hub.Data;

/// <summary>A registered farmer, as dataserv's <c>farmer</c> table holds it.</summary>
internal sealed record Farmer(long Id, string BtcAddr, string PayoutAddr, long LastSeenMicros, int Height);

/// <summary>The farmer registry: one row per registered bitcoin address.</summary>
internal sealed class FarmerStore(HubDatabase database)
{
    private const string Columns = "id, btc_addr, payout_addr, last_seen, height";

    /// <summary>Registers a farmer seen now; null when the address is already registered.</summary>
    public async Task<Farmer?> RegisterAsync(string btcAddr, string payoutAddr, long nowMicros, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(
            connection,
            $"INSERT INTO farmer (btc_addr, payout_addr, last_seen, height) VALUES (@btc, @payout, @now, 0) ON CONFLICT (btc_addr) DO NOTHING RETURNING {Columns}",
            ("btc", btcAddr),
            ("payout", payoutAddr),
            ("now", nowMicros));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async Task<Farmer?> FindAsync(string btcAddr, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(connection, $"SELECT {Columns} FROM farmer WHERE btc_addr = @btc", ("btc", btcAddr));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async Task TouchAsync(long id, long nowMicros, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(connection, "UPDATE farmer SET last_seen = @now WHERE id = @id", ("now", nowMicros), ("id", id));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets a farmer's height and marks it seen now; false when no such farmer is registered.</summary>
    public async Task<bool> SetHeightAsync(string btcAddr, int height, long nowMicros, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(
            connection, "UPDATE farmer SET height = @height, last_seen = @now WHERE btc_addr = @btc", ("height", height), ("now", nowMicros), ("btc", btcAddr));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>Farmers seen after <paramref name="cutoffMicros"/>, tallest first, then in order of registration.</summary>
    public async Task<IReadOnlyList<Farmer>> OnlineAsync(long cutoffMicros, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(
            connection, $"SELECT {Columns} FROM farmer WHERE last_seen > @cutoff ORDER BY height DESC, id ASC", ("cutoff", cutoffMicros));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var farmers = new List<Farmer>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            farmers.Add(Read(reader));
        }

        return farmers;
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(connection, "SELECT COUNT(*) FROM farmer");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Farmer Read(DbDataReader reader) =>
        new(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt32(4));
}
