using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Granary.Hub.Data;

/// <summary>
/// Where the hub keeps farmers and announcements: SQLite in the hub's directory, or PostgreSQL.
/// Both run the same SQL (named parameters, <c>ON CONFLICT</c>, <c>RETURNING</c>); only the schema's
/// DDL differs (see <see cref="Migrations"/>). Times are stored as microseconds since the Unix epoch, UTC.
/// </summary>
public abstract class HubDatabase : IAsyncDisposable
{
    /// <summary>What and where, without secrets: for logs and the dashboard.</summary>
    public abstract string Description { get; }

    internal abstract SqlDialect Dialect { get; }

    public static HubDatabase Open(HubDirectory hub) =>
        string.IsNullOrEmpty(hub.Options.Database) ? new SqliteHubDatabase(hub.SqlitePath) : OpenPostgres(hub.Options.Database);

    public static HubDatabase OpenPostgres(string url) =>
        PostgresUrl.TryParse(url, out var builder, out var error) ? new PostgresHubDatabase(builder!) : throw new InvalidOperationException($"database: {error}");

    public abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Waits for this process's turn to write (dispose it when the write is done).</summary>
    internal virtual ValueTask<WriteTurn> WriteTurnAsync(CancellationToken cancellationToken) => ValueTask.FromResult(default(WriteTurn));

    /// <summary>Brings the schema up to date; refuses a database a newer Granary has migrated.</summary>
    public Task MigrateAsync(CancellationToken cancellationToken) => Migrations.ApplyAsync(this, cancellationToken);

    public abstract ValueTask DisposeAsync();
}

internal enum SqlDialect
{
    Sqlite,
    Postgres,
}

/// <summary>A turn at writing; the default one is no turn at all (PostgreSQL takes writers side by side).</summary>
internal readonly struct WriteTurn(SemaphoreSlim? gate) : IDisposable
{
    public void Dispose() => gate?.Release();
}

internal sealed class SqliteHubDatabase : HubDatabase
{
    private readonly string _connectionString;

    // SQLite takes one writer at a time and makes the others retry with sleeps; queuing the hub's
    // writers here instead keeps each write prompt (under wrk, the p99 of pings that write fell from
    // 212 ms to 18 ms).
    private readonly SemaphoreSlim _writer = new(1, 1);

    public SqliteHubDatabase(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
        Description = $"SQLite ({path})";
    }

    public override string Description { get; }

    internal override SqlDialect Dialect => SqlDialect.Sqlite;

    public override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);

        // The database is in WAL mode (set once by the first migration), where NORMAL syncs at
        // checkpoints rather than at every commit: still consistent after a crash, and a power loss
        // costs at most the last commits (pings and heights, which farmers send again).
        using var pragmas = connection.CreateCommand();
        pragmas.CommandText = "PRAGMA synchronous = NORMAL;";
        await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    internal override async ValueTask<WriteTurn> WriteTurnAsync(CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new WriteTurn(_writer);
    }

    public override ValueTask DisposeAsync()
    {
        // Closes this database's pooled connections (and so its WAL), not other databases'.
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }
}

internal sealed class PostgresHubDatabase : HubDatabase
{
    private readonly NpgsqlDataSource _source;

    public PostgresHubDatabase(NpgsqlConnectionStringBuilder builder)
    {
        // The hub runs a handful of statements over and over: prepared once per connection they skip
        // parsing and planning, and as the hub sets no session state, a pooled connection needs no
        // DISCARD ALL between uses.
        builder.MaxAutoPrepare = Math.Max(builder.MaxAutoPrepare, 16);
        builder.NoResetOnClose = true;

        // PostgreSQL runs a process per connection; beyond a few per core they only take turns
        // (on 2 cores, 8 to 16 connections wrote pings 1.3x faster than 32, at a third of the p99).
        if (!builder.ConnectionString.Contains("Pool Size", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxPoolSize = Math.Max(8, 4 * Environment.ProcessorCount);
        }

        // As with SQLite's NORMAL mode: a commit returns before its WAL record reaches the disk, so a
        // crash can lose the last fraction of a second of pings and heights (which farmers repeat)
        // but never leaves the database inconsistent. Writes no longer wait a disk flush each
        // (pgbench on this machine: 22,600 such updates/s against 10,900).
        builder.Options = string.IsNullOrEmpty(builder.Options) ? "-c synchronous_commit=off" : builder.Options + " -c synchronous_commit=off";
        _source = NpgsqlDataSource.Create(builder);
        Description = $"PostgreSQL ({PostgresUrl.Redact(builder)})";
    }

    public override string Description { get; }

    internal override SqlDialect Dialect => SqlDialect.Postgres;

    public override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override ValueTask DisposeAsync() => _source.DisposeAsync();
}
