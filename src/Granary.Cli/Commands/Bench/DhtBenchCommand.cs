using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Granary.Core.Identity;
using Granary.Dht;
using Granary.Dht.Records;
using Granary.Dht.Transport;

namespace Granary.Cli.Commands.Bench;

/// <summary>
/// <c>granary bench dht</c>: lookups among real nodes on loopback UDP (signed datagrams, one
/// socket each, in this process), beside a single ping between two of them in the same run.
/// </summary>
internal static class DhtBenchCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "Nodes on loopback.", DefaultValueFactory = _ => 50 };
        var lookups = new Option<int>("--lookups") { Description = "Values stored, then each looked up from a random node.", DefaultValueFactory = _ => 200 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("dht", "Value lookups among DHT nodes on loopback UDP: latency, hops and requests, beside one ping.") { nodes, lookups, json };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var count = context.Parse.GetValue(nodes);
            var lookupCount = context.Parse.GetValue(lookups);
            if (count is < 2 or > 500 || lookupCount is < 1 or > 100_000)
            {
                throw new UsageException("--nodes must be 2 to 500 and --lookups 1 to 100000");
            }

            var result = await MeasureAsync(count, lookupCount, context.Error, cancellationToken);
            if (context.Parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(result, BenchJson.Options));
                return GranaryCli.Success;
            }

            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"""
                {result.Nodes} DHT nodes on loopback UDP (signed datagrams), {result.Lookups} value lookups from random nodes
                lookup        median {result.LookupMedianMs:0.00} ms, p90 {result.LookupP90Ms:0.00} ms, p99 {result.LookupP99Ms:0.00} ms; found {result.Found} of {result.Lookups}
                ping          median {result.PingMedianMs:0.000} ms (one request and response)   lookup / ping {result.LookupOverPing:0.0}x
                hops          median {result.MedianHops}, requests per lookup median {result.MedianRequests}
                """));
            return GranaryCli.Success;
        });
        return command;
    }

    internal sealed record DhtResult(
        int Nodes, int Lookups, int Found, double LookupMedianMs, double LookupP90Ms, double LookupP99Ms, double PingMedianMs, double MedianHops, double MedianRequests)
    {
        /// <summary>A lookup's median time in median pings among the same nodes (the ratio it is judged by).</summary>
        public double LookupOverPing => LookupMedianMs / PingMedianMs;
    }

    private static async Task<DhtResult> MeasureAsync(int count, int lookups, TextWriter log, CancellationToken cancellationToken)
    {
        var keys = Enumerable.Range(0, count).Select(_ => NodeKey.Generate()).ToList();
        var nodes = new List<DhtNode>();
        try
        {
            await log.WriteLineAsync($"bench dht: starting {count} nodes on loopback");
            foreach (var key in keys)
            {
                var node = DhtNode.Create(key, new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)));
                node.Start();
                if (nodes.Count > 0)
                {
                    await node.BootstrapAsync([nodes[0].EndPoint], cancellationToken);
                }

                nodes.Add(node);
            }

            foreach (var node in nodes)
            {
                await node.FindNodeAsync(node.Id, cancellationToken);
            }

            var random = new Random(1);
            var values = Enumerable.Range(0, lookups).Select(i => DhtRecord.Immutable(BitConverter.GetBytes(random.NextInt64()))).ToList();
            await log.WriteLineAsync($"bench dht: storing {lookups} values");
            await Parallel.ForEachAsync(values, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (value, ct) =>
                await nodes[Random.Shared.Next(nodes.Count)].PutAsync(value, ct));

            // One lookup at a time, each asking the network (never the asker's own store).
            await log.WriteLineAsync("bench dht: looking up");
            var pings = new List<double>();
            for (var i = 0; i < 200; i++)
            {
                var clock = Stopwatch.StartNew();
                await nodes[0].PingAsync(nodes[1 + (i % (nodes.Count - 1))].EndPoint, cancellationToken);
                pings.Add(clock.Elapsed.TotalMilliseconds);
            }

            var times = new List<double>();
            var hops = new List<double>();
            var requests = new List<double>();
            var found = 0;
            foreach (var value in values)
            {
                var clock = Stopwatch.StartNew();
                var result = await nodes[random.Next(nodes.Count)].LookupAsync(value.Key, findValue: true, cancellationToken);
                times.Add(clock.Elapsed.TotalMilliseconds);
                if (result.Record is not null)
                {
                    found++;
                    hops.Add(result.Hops);
                    requests.Add(result.Requests);
                }
            }

            times.Sort();
            pings.Sort();
            hops.Sort();
            requests.Sort();
            return new DhtResult(count, lookups, found, At(times, 0.5), At(times, 0.9), At(times, 0.99), At(pings, 0.5), At(hops, 0.5), At(requests, 0.5));
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            foreach (var key in keys)
            {
                key.Dispose();
            }
        }
    }

    private static double At(List<double> sorted, double fraction) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(fraction * sorted.Count) - 1)];
}
