using System.Net.Http.Json;
using System.Text.Json;
using Granary.Hosting;
using Granary.Core.Protocol;
using Granary.Hub.Data;
using Granary.Storage;

namespace Granary.Hub.Tests;

/// <summary>A storage node keeping itself known to a hub: both in-process on real sockets, on one clock the test moves.</summary>
public sealed class HubAgentTests
{
    [Fact]
    public async Task A_node_registers_announces_renews_and_registers_again_when_the_hub_forgets_it()
    {
        await using var hub = await TestHub.StartAsync(Backend.Sqlite, o => (o.AnnouncementTtlSeconds, o.CacheSeconds, o.MaxPingSeconds) = (60, 0, 10));
        using var directory = new TempDirectory("granary-node");
        var node = NodeDirectory.Create(directory.Path, new StorageNodeOptions { Port = 1, Capacity = 1L << 30, Reserved = 0, Hubs = [hub.Url.ToString()], HubPingSeconds = 10 });
        await using var app = StorageNodeHost.Build(node, new ServerHostOptions { Port = 0, Time = hub.Time, Logging = _ => { } });
        await app.StartAsync();
        var address = node.Key.Address.ToString();

        // Registered with its height and announced at its real port.
        await EventuallyAsync(async () => (await OnlineAsync(hub)).SingleOrDefault(f => IsNodeAtFullHeight(f, address)));
        var announced = await EventuallyAsync(async () => (await ServersAsync(hub)).SingleOrDefault());
        Assert.Equal(StorageNodeHost.ListeningUrl(app, node).ToString(), announced!.StorageUrl);

        // Past a third of the TTL it announces again, with a higher sequence number and a later expiry.
        for (var i = 0; i < 3; i++)
        {
            hub.Time.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(100);
        }

        var renewed = await EventuallyAsync(async () => (await ServersAsync(hub)).SingleOrDefault(s => s.Sequence > announced.Sequence));
        Assert.True(renewed!.ExpiresAt > announced.ExpiresAt);

        // A hub that lost the farmer (its ping answers 404) gets it registered again.
        await using (var database = HubDatabase.Open(hub.Hub))
        await using (var connection = await database.OpenConnectionAsync(CancellationToken.None))
        {
            using var forget = Sql.Command(connection, "DELETE FROM farmer");
            await forget.ExecuteNonQueryAsync();
        }

        // Written behind the hub's back, the loss shows in its online list within a second.
        await EventuallyAsync(async () => (await OnlineAsync(hub)).Length == 0 ? "gone" : null);
        await EventuallyAsync(async () =>
        {
            hub.Time.Advance(TimeSpan.FromSeconds(10));
            return (await OnlineAsync(hub)).SingleOrDefault(f => IsNodeAtFullHeight(f, address));
        });
        await app.StopAsync();
    }

    // The node's farmer entry once both its registration and its height (1 GiB = 8 shards of 128 MiB) are in.
    private static bool IsNodeAtFullHeight(JsonElement farmer, string address) =>
        farmer.GetProperty("btc_addr").GetString() == address && farmer.GetProperty("height").GetInt32() == 8;

    private static async Task<JsonElement[]> OnlineAsync(TestHub hub)
    {
        using var json = JsonDocument.Parse((await hub.GetAsync("/api/online/json")).Body);
        return [.. json.RootElement.GetProperty("farmers").EnumerateArray().Select(e => e.Clone())];
    }

    private static async Task<IReadOnlyList<AnnouncedServer>> ServersAsync(TestHub hub) =>
        (await hub.Http.GetFromJsonAsync<ServerList>("/" + IntroducerProtocol.ServersPath, IntroducerProtocol.Json))!.Servers;

    // Polls (in real time: the node works on its own threads) until the value appears.
    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (await probe() is { } value && !value.Equals(default(T)))
            {
                return value;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the node did not reach the expected state with its hub within 10 s");
        return default!;
    }
}
