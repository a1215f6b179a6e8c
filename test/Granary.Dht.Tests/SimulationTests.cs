using Granary.Dht.Simulation;
using Xunit.Abstractions;

namespace Granary.Dht.Tests;

public sealed class SimulationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ten_thousand_nodes_find_their_values_after_a_third_vanish_at_once()
    {
        var result = await DhtSimulation.RunAsync(new SimulationOptions(10_000, 0.3, 1000, Seed: 7), new Progress<string>(output.WriteLine));
        output.WriteLine(System.Text.Json.JsonSerializer.Serialize(result));
        Assert.Equal(3000, result.Removed);
        Assert.True(result.SuccessRate >= 0.99, $"success {result.SuccessRate:P1}");
        Assert.True(result.MedianHops <= 4, $"median hops {result.MedianHops}");
    }
}
