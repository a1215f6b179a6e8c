using System.Text.Json.Nodes;
using Granary.Core.Identity;
using Granary.Core.Protocol;

namespace Granary.IntegrationTests;

/// <summary>
/// Granary's own nodes farming downstream contracts from their hub, as real processes from
/// <c>granary grid up --farm-contracts</c>: each node registers a token for its own address, takes its
/// chunks, answers every challenge round before it is due, resumes its contracts after a restart and
/// replaces a contract whose chunk it lost; a wrong proof counts against the storage node's one
/// reputation with the keeper.
/// </summary>
public sealed class ContractFarmingProcessTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<JsonArray> FarmersAsync(TestGrid grid) =>
        JsonNode.Parse(await Http.GetStringAsync(new Uri(grid.HubUrl, "api/downstream/v1/status/list/")))!["farmers"]!.AsArray();

    private static string AddressOf(TestGrid.Node node) => StorageUrl.Parse(node.Url).NodeId.ToAddress(BitcoinNetwork.Mainnet).ToString();

    private static async Task<JsonNode?> FarmerAsync(TestGrid grid, TestGrid.Node node) =>
        (await FarmersAsync(grid)).SingleOrDefault(f => (string)f!["address"]! == AddressOf(node));

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(250);
        }
    }

    private static string[] Chunks(TestGrid.Node node)
    {
        var farm = Path.Combine(node.Dir, "farm");
        return Directory.Exists(farm) ? Directory.GetFiles(farm, "*.chunk", SearchOption.AllDirectories) : [];
    }

    [Fact]
    public async Task Grid_nodes_take_contracts_answer_every_round_resume_after_a_restart_and_replace_a_lost_chunk()
    {
        await using var grid = await TestGrid.StartAsync(nodes: 3, upArguments: ["--farm-contracts", "2", "--audit-interval", "1"]);
        await grid.PutAsync(await grid.WriteRandomFileAsync("kept.bin", 50_000, 1)); // every node holds kept shares: the keeper knows them all

        // Every node holds two 1 MiB chunks under its own address and has answered the challenge each came with.
        await EventuallyAsync(
            async () => await FarmersAsync(grid) is var farmers && farmers.Count == 3
                && farmers.All(f => (int)f!["contracts"]! == 2 && (int)f["heartbeats"]! >= 2 && (int)f["online"]! == 1),
            "three farmers hold two contracts each and answered their first challenges");
        Assert.Equal(grid.Nodes.Select(AddressOf).Order(), (await FarmersAsync(grid)).Select(f => (string)f!["address"]!).Order());
        Assert.All(grid.Nodes, node => Assert.All(Chunks(node), chunk => Assert.Equal(1L << 20, new FileInfo(chunk).Length)));
        Assert.All(grid.Nodes, node => Assert.Equal(2, Chunks(node).Length));

        // The next round (15 s later) is answered too.
        await EventuallyAsync(
            async () => (await FarmersAsync(grid)).All(f => (int)f!["heartbeats"]! >= 4),
            "every farmer answers the second round", TimeSpan.FromSeconds(45));

        // One node restarts and resumes its contracts with the same token; another loses a chunk and takes a new
        // contract for it; a third has a chunk overwritten, so its next proof is wrong.
        var restarted = grid.Nodes[0];
        var before = (int)(await FarmerAsync(grid, restarted))!["heartbeats"]!;
        grid.Kill(restarted);
        restarted = await grid.RestartAsync(restarted);
        var loser = grid.Nodes[1];
        File.Delete(Chunks(loser)[0]);
        var liar = grid.Nodes[2];
        await File.WriteAllBytesAsync(Chunks(liar)[0], new byte[1 << 20]);
        await EventuallyAsync(
            async () => (int)(await FarmerAsync(grid, restarted))!["heartbeats"]! >= before + 2,
            "the restarted node answers the next round of both its contracts", TimeSpan.FromSeconds(45));
        Assert.Equal(3, (await FarmersAsync(grid)).Count); // no second token for the restarted node

        var loserId = (string)(await FarmerAsync(grid, loser))!["id"]!;
        await EventuallyAsync(
            async () => (int)JsonNode.Parse(await Http.GetStringAsync(new Uri(grid.HubUrl, $"api/downstream/v1/status/show/{loserId}")))!["contracts"]! == 3,
            "the node that lost a chunk took a contract in its place", TimeSpan.FromSeconds(45));
        Assert.Equal(2, Chunks(loser).Length);

        // The wrong proof is a failure of the storage node with the same key (the keeper's one reputation per node).
        var liarId = StorageUrl.Parse(liar.Url).NodeId.ToString();
        await EventuallyAsync(
            async () => JsonNode.Parse(await Http.GetStringAsync(new Uri(grid.HubUrl, "api/keeper/nodes")))!["nodes"]!.AsArray()
                .Single(n => (string)n!["id"]! == liarId) is var node && (long)node!["auditsFailed"]! >= 1
                && ((string?)node["lastFailure"])?.Contains("Invalid proof", StringComparison.Ordinal) == true,
            "the keeper counts the wrong proof against the node", TimeSpan.FromSeconds(45));
        var decisions = JsonNode.Parse(await Http.GetStringAsync(new Uri(grid.HubUrl, "api/keeper/files")))!["decisions"]!.AsArray();
        Assert.Contains(decisions, d => (string)d!["kind"]! == "challenge-failed" && (string)d["node"]! == liarId);
    }
}
