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

    /// <summary>Brings the schema up to date; refuses a database a newer Granary has migrated.</summary>
    public Task MigrateAsync(CancellationToken cancellationToken) => Migrations.ApplyAsync(this, cancellationToken);

    public abstract ValueTask DisposeAsync();
}

internal enum SqlDialect
{
    Sqlite,
    Postgres,
}

internal sealed class SqliteHubDatabase : HubDatabase
{
    private readonly string _connectionString;

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
        builder.MaxPoolSize = Math.Max(builder.MaxPoolSize, 32);
        _source = NpgsqlDataSource.Create(builder);
        Description = $"PostgreSQL ({PostgresUrl.Redact(builder)})";
    }

    public override string Description { get; }

    internal override SqlDialect Dialect => SqlDialect.Postgres;

    public override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override ValueTask DisposeAsync() => _source.DisposeAsync();
}
