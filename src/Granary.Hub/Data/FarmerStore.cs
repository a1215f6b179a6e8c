using System.Data.Common;

namespace Granary.Hub.Data;

/// <summary>A registered farmer, as dataserv's <c>farmer</c> table holds it.</summary>
internal sealed record Farmer(long Id, string BtcAddr, string PayoutAddr, long LastSeenMicros, int Height);

/// <summary>The farmer registry: one row per registered bitcoin address.</summary>
/// <remarks>
/// The store remembers the last-seen time it last read or wrote for each farmer, so that a ping
/// inside MAX_PING (most pings) is answered without a database round trip. What it remembers can
/// only be older than the database's value (another hub on the same PostgreSQL may have touched
/// the farmer since), never newer; and it is trusted only within a day, where the elapsed time does
/// not wrap. So a ping it lets pass without a write is one the database would have let pass too; at
/// worst, with several hubs, a ping writes when it need not have.
/// <para>
/// The online list is read from the database again only once this hub has written a farmer since
/// the last read, or that read is a second old: what another process (another hub on the same
/// PostgreSQL) writes shows within a second, what this hub writes at once.
/// </para>
/// </remarks>
internal sealed class FarmerStore(HubDatabase database)
{
    private const string Columns = "id, btc_addr, payout_addr, last_seen, height";
    private const int MaxRemembered = 1_000_000;
    private const long Day = 86_400 * HubClock.MicrosPerSecond;

    private static readonly TimeSpan OnlineReuse = TimeSpan.FromSeconds(1);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Seen> _seen = new(StringComparer.Ordinal);

    // How many farmer writes this hub has committed, and the online rows last read with that count.
    private long _writes;
    private OnlineRead? _online;

    /// <summary>
    /// dataserv's ping: moves the farmer's last-seen time to now when <paramref name="due"/> says
    /// enough time has passed since it. False when no such farmer is registered.
    /// </summary>
    public async Task<bool> PingAsync(string btcAddr, long nowMicros, Func<long, bool> due, CancellationToken cancellationToken)
    {
        if (_seen.TryGetValue(btcAddr, out var known) && nowMicros - known.LastSeenMicros is >= 0 and < Day)
        {
            return !due(known.LastSeenMicros) || await TouchAsync(btcAddr, nowMicros, cancellationToken).ConfigureAwait(false);
        }

        var farmer = await FindAsync(btcAddr, cancellationToken).ConfigureAwait(false);
        if (farmer is null)
        {
            return false;
        }

        Remember(btcAddr, farmer.LastSeenMicros);
        return !due(farmer.LastSeenMicros) || await TouchAsync(btcAddr, nowMicros, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Registers a farmer seen now; null when the address is already registered.</summary>
    public async Task<Farmer?> RegisterAsync(string btcAddr, string payoutAddr, long nowMicros, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(
            connection,
            $"INSERT INTO farmer (btc_addr, payout_addr, last_seen, height) VALUES (@btc, @payout, @now, 0) ON CONFLICT (btc_addr) DO NOTHING RETURNING {Columns}",
            ("btc", btcAddr),
            ("payout", payoutAddr),
            ("now", nowMicros));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var farmer = Read(reader);
        Wrote(btcAddr, farmer.LastSeenMicros);
        return farmer;
    }

    public async Task<Farmer?> FindAsync(string btcAddr, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(connection, $"SELECT {Columns} FROM farmer WHERE btc_addr = @btc", ("btc", btcAddr));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    // Marks a farmer seen now; false when no such farmer is registered.
    private async Task<bool> TouchAsync(string btcAddr, long nowMicros, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(connection, "UPDATE farmer SET last_seen = @now WHERE btc_addr = @btc", ("now", nowMicros), ("btc", btcAddr));
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            return false;
        }

        Wrote(btcAddr, nowMicros);
        return true;
    }

    /// <summary>Sets a farmer's height and marks it seen now; false when no such farmer is registered.</summary>
    public async Task<bool> SetHeightAsync(string btcAddr, int height, long nowMicros, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(
            connection, "UPDATE farmer SET height = @height, last_seen = @now WHERE btc_addr = @btc", ("height", height), ("now", nowMicros), ("btc", btcAddr));
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            return false;
        }

        Wrote(btcAddr, nowMicros);
        return true;
    }

    /// <summary>Farmers seen after <paramref name="cutoffMicros"/>, tallest first, then in order of registration.</summary>
    public async Task<IReadOnlyList<Farmer>> OnlineAsync(long cutoffMicros, CancellationToken cancellationToken)
    {
        // Farmers leave the online set only as the cutoff passes them, which filtering the last
        // read follows; they join it only by a write, which makes that read stale.
        var last = Volatile.Read(ref _online);
        if (last is not null && last.Writes == Interlocked.Read(ref _writes) && cutoffMicros >= last.CutoffMicros
            && System.Diagnostics.Stopwatch.GetElapsedTime(last.ReadAt) < OnlineReuse)
        {
            return cutoffMicros == last.CutoffMicros ? last.Farmers : [.. last.Farmers.Where(f => f.LastSeenMicros > cutoffMicros)];
        }

        var writes = Interlocked.Read(ref _writes);
        var readAt = System.Diagnostics.Stopwatch.GetTimestamp();
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

        Volatile.Write(ref _online, new OnlineRead(farmers, cutoffMicros, writes, readAt));
        return farmers;
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(connection, "SELECT COUNT(*) FROM farmer");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    // After a committed write, before its request is answered: no read from before it is used again.
    private void Wrote(string btcAddr, long lastSeenMicros)
    {
        Interlocked.Increment(ref _writes);
        Remember(btcAddr, lastSeenMicros);
    }

    private void Remember(string btcAddr, long lastSeenMicros)
    {
        if (_seen.Count < MaxRemembered || _seen.ContainsKey(btcAddr))
        {
            _seen[btcAddr] = new Seen(lastSeenMicros);
        }
    }

    private static Farmer Read(DbDataReader reader) =>
        new(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt32(4));

    private readonly record struct Seen(long LastSeenMicros);

    private sealed record OnlineRead(IReadOnlyList<Farmer> Farmers, long CutoffMicros, long Writes, long ReadAt);
}
