using System.Net;
using System.Text;
using Granary.Core.Identity;
using Granary.Core.Protocol;
using Granary.Dht;
using Granary.Dht.Map;
using Granary.Dht.Records;
using Granary.Storage;
using Microsoft.Extensions.Logging;

namespace Granary.Cli;

/// <summary>
/// Storage nodes in the DHT: a node joins with its own key and publishes its storage URL as a
/// mutable record it signs, under a fixed name; a client given only a bootstrap address maps the
/// DHT and reads that record from every node it finds. The record's owner must be the node the
/// URL names, so no one can publish a URL for another node.
/// </summary>
internal static partial class DhtStorage
{
    public const string Salt = "granary-storage-url";

    private static readonly TimeSpan RetryPause = TimeSpan.FromSeconds(10);

    /// <summary>Starts a DHT node for a storage node and keeps trying to join and publish until it has (the node republishes hourly after that).</summary>
    public static IAsyncDisposable JoinAndPublish(NodeDirectory directory, StorageUrl url, ILogger logger, CancellationToken cancellationToken)
    {
        var settings = directory.Options.Dht!;
        var host = IPAddress.TryParse(directory.Options.Host, out var address) ? address : IPAddress.Any;
        var node = DhtNode.Create(directory.Key, Commands.DhtCommand.Bind(new IPEndPoint(host, settings.Port)), logger: logger);
        node.Start();
        var seeds = settings.Bootstrap.Select(Commands.DhtCommand.ParseSeed).ToList();
        var record = DhtRecord.Mutable(directory.Key, Salt, Encoding.UTF8.GetBytes(url.ToString()), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var publishing = Task.Run(async () =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    if (seeds.Count > 0 && node.Contacts.Count == 0)
                    {
                        await node.BootstrapAsync(seeds, cancellationToken);
                    }

                    var stored = await node.PutAsync(record, cancellationToken);
                    Published(logger, node.EndPoint.ToString(), stored);
                    if (stored > 0 || seeds.Count == 0)
                    {
                        return;
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                await Task.Delay(RetryPause, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }, CancellationToken.None);
        return new Presence(node, publishing);
    }

    /// <summary>Joins through <paramref name="seeds"/> as a transient node and collects the storage URLs nodes published.</summary>
    public static async Task<IReadOnlyList<StorageUrl>> FindStorageNodesAsync(IReadOnlyList<IPEndPoint> seeds, CancellationToken cancellationToken)
    {
        using var key = NodeKey.Generate();
        var bind = new IPEndPoint(seeds.All(s => IPAddress.IsLoopback(s.Address)) ? IPAddress.Loopback : IPAddress.Any, 0);
        await using var node = DhtNode.Create(key, Commands.DhtCommand.Bind(bind));
        node.Start();
        if (await node.BootstrapAsync(seeds, cancellationToken) == 0)
        {
            return [];
        }

        var graph = await NetworkMap.CrawlAsync(node, maxNodes: 1000, cancellationToken: cancellationToken);
        var urls = new List<StorageUrl>();
        await Parallel.ForEachAsync(graph.Nodes.Where(n => n.Answered), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (entry, ct) =>
        {
            var id = NodeId.Parse(entry.Id);
            if (await node.GetAsync(DhtRecord.MutableKey(id, Salt), ct) is { } found && found.Owner == id
                && StorageUrl.TryParse(Encoding.UTF8.GetString(found.Value), out var url, out _) && url!.NodeId == id)
            {
                lock (urls)
                {
                    urls.Add(url);
                }
            }
        });
        return urls;
    }

    [LoggerMessage(1501, LogLevel.Information, "Published the storage URL in the DHT from {EndPoint}: {Stored} nodes hold it")]
    private static partial void Published(ILogger logger, string endPoint, int stored);

    private sealed class Presence(DhtNode node, Task publishing) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await node.DisposeAsync();
            await publishing.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
