using System.Diagnostics;
using Granary.Core.Identity;
using Granary.Dht.Records;
using Granary.Dht.Transport;

namespace Granary.Dht.Simulation;

public sealed record SimulationOptions(int Nodes, double Churn, int Lookups, int Seed = 1);

public sealed record SimulationResult(
    int Nodes,
    double Churn,
    int Removed,
    int Lookups,
    int Found,
    double SuccessRate,
    double MedianHops,
    double P90Hops,
    double MedianRequests,
    double MeanRequests,
    double JoinSeconds,
    double LookupSeconds);

/// <summary>
/// A whole network in one process, on an <see cref="InMemoryNetwork"/>: nodes join one after
/// another through a random earlier node, values are stored from random nodes, then a fraction of
/// the nodes vanish at once — no republishing, no repair — and every value is looked up from a
/// random survivor. Datagrams are not signed here (the in-memory network cannot forge senders);
/// everything else is the code the UDP nodes run.
/// </summary>
public static class DhtSimulation
{
    private const int Parallel = 16;

    public static async Task<SimulationResult> RunAsync(SimulationOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        if (options.Nodes < 2 || options.Churn is < 0 or >= 1 || options.Lookups < 1)
        {
            throw new ArgumentException("A simulation needs at least 2 nodes, a churn in [0, 1) and at least one lookup.", nameof(options));
        }

        var random = new Random(options.Seed);
        var network = new InMemoryNetwork();
        var dhtOptions = new DhtOptions { SignDatagrams = false, RequestTimeout = TimeSpan.FromSeconds(5) };
        var nodes = new List<DhtNode>(options.Nodes);
        try
        {
            var clock = Stopwatch.StartNew();
            while (nodes.Count < options.Nodes)
            {
                // The first nodes join one by one; later ones in small groups, each through a node already in.
                var group = Enumerable.Range(0, Math.Min(nodes.Count < 64 ? 1 : Parallel, options.Nodes - nodes.Count)).Select(_ => NewNode(network, dhtOptions, random)).ToList();
                var seeds = group.Select(_ => nodes.Count == 0 ? null : nodes[random.Next(nodes.Count)]).ToList();
                foreach (var node in group)
                {
                    node.Start();
                }

                await Task.WhenAll(group.Zip(seeds).Where(p => p.Second is not null).Select(p => p.First.BootstrapAsync([p.Second!.EndPoint], cancellationToken))).ConfigureAwait(false);
                var before = nodes.Count;
                nodes.AddRange(group);
                if (nodes.Count / 1000 > before / 1000 || nodes.Count == options.Nodes)
                {
                    progress?.Report($"{nodes.Count:N0} of {options.Nodes:N0} nodes joined");
                }
            }

            var joinSeconds = clock.Elapsed.TotalSeconds;
            var values = Enumerable.Range(0, options.Lookups).Select(_ =>
            {
                var bytes = new byte[32];
                random.NextBytes(bytes);
                return DhtRecord.Immutable(bytes);
            }).ToList();
            var publishers = values.Select(_ => nodes[random.Next(nodes.Count)]).ToList();
            await System.Threading.Tasks.Parallel.ForAsync(0, values.Count, new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = cancellationToken }, async (v, ct) =>
                await publishers[v].PutAsync(values[v], ct).ConfigureAwait(false)).ConfigureAwait(false);
            progress?.Report($"{values.Count:N0} values stored");

            var removed = nodes.OrderBy(_ => random.Next()).Take((int)(options.Nodes * options.Churn)).ToHashSet();
            foreach (var node in removed)
            {
                network.Remove(node.EndPoint);
            }

            progress?.Report($"{removed.Count:N0} nodes removed at once");
            var survivors = nodes.Where(n => !removed.Contains(n)).ToList();
            var askers = values.Select(_ => survivors[random.Next(survivors.Count)]).ToList();
            var results = new LookupResult[values.Count];
            clock.Restart();
            await System.Threading.Tasks.Parallel.ForAsync(0, values.Count, new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = cancellationToken }, async (v, ct) =>
                results[v] = await askers[v].LookupAsync(values[v].Key, findValue: true, ct).ConfigureAwait(false)).ConfigureAwait(false);
            var lookupSeconds = clock.Elapsed.TotalSeconds;

            var found = results.Where((r, v) => r.Record is { } record && record.Value.AsSpan().SequenceEqual(values[v].Value)).ToList();
            var hops = found.Select(r => (double)r.Hops).Order().ToList();
            var requests = results.Select(r => (double)r.Requests).Order().ToList();
            return new SimulationResult(
                options.Nodes,
                options.Churn,
                removed.Count,
                values.Count,
                found.Count,
                (double)found.Count / values.Count,
                Percentile(hops, 0.5),
                Percentile(hops, 0.9),
                Percentile(requests, 0.5),
                requests.Average(),
                joinSeconds,
                lookupSeconds);
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask())).ConfigureAwait(false);
        }
    }

    private static DhtNode NewNode(InMemoryNetwork network, DhtOptions options, Random random)
    {
        var id = new byte[NodeId.Size];
        random.NextBytes(id);
        return DhtNode.CreateUnsigned(new NodeId(id), network.CreateTransport(), options);
    }

    private static double Percentile(List<double> sorted, double fraction) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(fraction * sorted.Count) - 1)];
}
