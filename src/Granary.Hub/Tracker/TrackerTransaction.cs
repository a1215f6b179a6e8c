using System.Data.Common;
using System.Globalization;
using Granary.Hub.Data;

namespace Granary.Hub.Tracker;

/// <summary>One database transaction of the tracker: every command it makes runs inside it.</summary>
internal sealed class TrackerTransaction(DbConnection connection, DbTransaction transaction, SqlDialect dialect)
{
    public DbConnection Connection => connection;

    public DbTransaction Transaction => transaction;

    public SqlDialect Dialect => dialect;

    /// <summary>Set when the transaction appended to the event log, so the senders are woken after it commits.</summary>
    public bool AppendedEvent { get; set; }

    /// <summary>Row locking where the database has it (PostgreSQL); SQLite has one writer at a time anyway.</summary>
    public string ForUpdate => dialect == SqlDialect.Postgres ? " FOR UPDATE" : "";

    public DbCommand Command(string text, params ReadOnlySpan<(string Name, object Value)> parameters)
    {
        var command = Sql.Command(connection, text, parameters);
        command.Transaction = transaction;
        return command;
    }

    public async Task<int> ExecuteAsync(string text, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        using var command = Command(text, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The first column of the first row as a long, or null when there is no row (or it is NULL).</summary>
    public async Task<long?> LongAsync(string text, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        using var command = Command(text, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    public async Task<string?> StringAsync(string text, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        using var command = Command(text, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? null : (string)value;
    }

    public Task CommitAsync(CancellationToken cancellationToken) => transaction.CommitAsync(cancellationToken);
}
