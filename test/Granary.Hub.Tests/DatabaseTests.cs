using System.Text.Json;
using Granary.Hub.Data;

namespace Granary.Hub.Tests;

/// <summary>The schema's migrations and the hub's behaviour when its database misbehaves; on both databases.</summary>
public abstract class DatabaseTests
{
    protected abstract Backend Backend { get; }

    [Fact]
    public async Task The_hub_runs_on_the_database_under_test()
    {
        await using var hub = await TestHub.StartAsync(Backend);
        using var status = JsonDocument.Parse((await hub.GetAsync("/ui/status.json")).Body);
        Assert.StartsWith(Backend == Backend.Sqlite ? "SQLite" : "PostgreSQL", status.RootElement.GetProperty("hub").GetProperty("database").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrating_again_changes_nothing_and_records_the_version_once()
    {
        await using var hub = await TestHub.StartAsync(Backend);
        var farmer = await hub.RegisterAsync();
        await using var database = HubDatabase.Open(hub.Hub);
        await database.MigrateAsync(CancellationToken.None);
        await database.MigrateAsync(CancellationToken.None);

        await using var connection = await database.OpenConnectionAsync(CancellationToken.None);
        Assert.Equal(Migrations.Latest, await Migrations.CurrentVersionAsync(connection, null, CancellationToken.None));
        Assert.Equal(5, Migrations.Latest);
        using var count = Sql.Command(connection, "SELECT COUNT(*) FROM hub_schema");
        Assert.Equal((long)Migrations.Latest, Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotNull(await new FarmerStore(database).FindAsync(farmer.Address.ToString(), CancellationToken.None));
    }

    [Fact]
    public async Task A_database_from_a_newer_granary_is_refused_with_a_clear_message()
    {
        await using var hub = await TestHub.StartAsync(Backend);
        await using var database = HubDatabase.Open(hub.Hub);
        await using (var connection = await database.OpenConnectionAsync(CancellationToken.None))
        {
            using var newer = Sql.Command(connection, "INSERT INTO hub_schema (version, description, applied_at) VALUES (99, 'future', 'later')");
            await newer.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => database.MigrateAsync(CancellationToken.None));
        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_database_answers_503_without_its_error()
    {
        await using var hub = await TestHub.StartAsync(Backend, o => o.CacheSeconds = 0);
        await using var database = HubDatabase.Open(hub.Hub);
        await using (var connection = await database.OpenConnectionAsync(CancellationToken.None))
        {
            using var drop = Sql.Command(connection, "DROP TABLE farmer");
            await drop.ExecuteNonQueryAsync();
        }

        var (status, body, _) = await hub.GetAsync("/api/online/json");
        Assert.Equal(503, status);
        Assert.DoesNotContain("farmer", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SQL", body, StringComparison.OrdinalIgnoreCase);
    }
}

public sealed class DatabaseOnSqliteTests : DatabaseTests
{
    protected override Backend Backend => Backend.Sqlite;
}

public sealed class DatabaseOnPostgresTests : DatabaseTests
{
    protected override Backend Backend => Backend.Postgres;
}
