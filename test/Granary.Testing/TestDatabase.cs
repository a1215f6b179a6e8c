using Npgsql;

namespace Granary.Testing;

/// <summary>Which database a test hub runs on: SQLite in its directory, or a fresh PostgreSQL database.</summary>
public enum Backend
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A database for one test hub. For PostgreSQL it is a new database on the server that
/// <c>GRANARY_TEST_POSTGRES</c> names (scripts/start-postgres.sh starts one and prints its URL;
/// scripts/test.sh and CI set the variable), dropped afterwards.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string EnvironmentVariable = "GRANARY_TEST_POSTGRES";

    private readonly string? _name;

    private TestDatabase(string? url, string? name)
    {
        Url = url;
        _name = name;
    }

    /// <summary>The PostgreSQL URL the hub should use; null for SQLite.</summary>
    public string? Url { get; }

    public static async Task<TestDatabase> CreateAsync(Backend backend)
    {
        if (backend == Backend.Sqlite)
        {
            return new TestDatabase(null, null);
        }

        var server = ServerUrl();
        var name = $"granary_test_{Guid.NewGuid():N}";
        await using (var connection = await OpenAdminAsync(server))
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var builder = new UriBuilder(server) { Path = "/" + name };
        return new TestDatabase(builder.Uri.ToString(), name);
    }

    /// <summary>Every row of every table of this PostgreSQL database as text, a line each (byte columns in hex), to search for what must not be stored.</summary>
    public async Task<string> DumpAsync()
    {
        await using var connection = await OpenAdminAsync(Url ?? throw new InvalidOperationException("A SQLite test database is the hub's file; read it instead."));
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var dump = new System.Text.StringBuilder();
        foreach (var table in tables)
        {
            await using var rows = new NpgsqlCommand($"SELECT t::text FROM \"{table}\" t", connection);
            await using var reader = await rows.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                dump.Append(table).Append(' ').AppendLine(reader.GetString(0));
            }
        }

        return dump.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (_name is null)
        {
            return;
        }

        await using var connection = await OpenAdminAsync(ServerUrl());
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private static string ServerUrl() => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } url
        ? url
        : throw new InvalidOperationException(
            $"The PostgreSQL tests need a server: run scripts/start-postgres.sh and set {EnvironmentVariable} to the URL it prints (scripts/test.sh does both).");

    private static async Task<NpgsqlConnection> OpenAdminAsync(string url)
    {
        if (!Granary.Hub.Data.PostgresUrl.TryParse(url, out var builder, out var error))
        {
            throw new InvalidOperationException($"{EnvironmentVariable}: {error}");
        }

        var connection = new NpgsqlConnection(builder!.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
