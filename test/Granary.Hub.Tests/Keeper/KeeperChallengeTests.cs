using Granary.Core.Identity;
using Granary.Hub.Data;
using Granary.Hub.Keeper;
using Microsoft.Extensions.Logging.Abstractions;

namespace Granary.Hub.Tests.Keeper;

/// <summary>Downstream challenge results folded into the keeper's reputations by its audit passes.</summary>
public sealed class KeeperChallengeTests
{
    [Fact]
    public async Task Every_challenge_result_recorded_while_audit_passes_run_is_counted_exactly_once()
    {
        await using var hub = await TestHub.StartAsync(Backend.Sqlite, o => o.Keeper.Enabled = false);
        await using var database = HubDatabase.Open(hub.Hub);
        var store = new KeeperStore(database);
        var farmer = NodeKey.Generate();
        var nodeId = farmer.NodeId.ToString();
        await store.SaveNodesAsync([new KeptNode(nodeId, Reputation.New(hub.Hub.Options.Keeper), Reachable: true, 0, null, 0)], [], CancellationToken.None);
        using var http = new HttpClient();
        using var keeper = new KeeperService(store, new AnnouncementStore(database), hub.Hub.Options, hub.Time, NullLogger.Instance, http);

        // Four writers record 2,500 passes each while passes take the tallies away as fast as they can.
        const int Writers = 4;
        const int PerWriter = 2_500;
        var address = farmer.Address.ToString();
        var writing = Enumerable.Range(0, Writers).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                keeper.RecordChallenge(address, passed: true, "ok");
            }
        })).ToArray();
        while (!writing.All(t => t.IsCompleted))
        {
            await keeper.AuditPassAsync(CancellationToken.None);
        }

        await Task.WhenAll(writing);
        await keeper.AuditPassAsync(CancellationToken.None);
        var node = (await store.NodesAsync(CancellationToken.None))[nodeId];
        Assert.Equal(Writers * PerWriter, node.Reputation.Passed);
        Assert.True(keeper.AuditPasses >= 2);
    }
}
