using System.Net;
using System.Text;
using Granary.Core.Identity;
using Granary.Core.Protocol;
using Granary.Dht;
using Granary.Dht.Map;
using Granary.Dht.Records;
using Granary.Dht.Transport;

namespace Granary.Client.Discovery;

/// <summary>
/// Storage nodes in the DHT: each publishes its storage URL as a mutable record it signs, under
/// <see cref="Salt"/>; a client given only a bootstrap address joins as a transient node, maps the
/// DHT and reads that record from every node it finds. The record's owner must be the node the URL
/// names, so no one can publish a URL for another node.
/// </summary>
public static class DhtDiscovery
{
    /// <summary>The name storage nodes publish their storage URL under.</summary>
    public const string Salt = "granary-storage-url";

    private const int MaxNodes = 1000;

    /// <summary>The record a storage node publishes: its storage URL, signed by its key.</summary>
    public static DhtRecord Record(NodeKey key, StorageUrl url, DateTimeOffset now) =>
        DhtRecord.Mutable(key, Salt, Encoding.UTF8.GetBytes(url.ToString()), now.ToUnixTimeMilliseconds());

    /// <summary>Joins through <paramref name="seeds"/> as a transient node and collects the storage URLs nodes published.</summary>
    public static async Task<IReadOnlyList<StorageUrl>> FindStorageNodesAsync(IReadOnlyList<IPEndPoint> seeds, CancellationToken cancellationToken)
    {
        using var key = NodeKey.Generate();
        var bind = new IPEndPoint(seeds.All(s => IPAddress.IsLoopback(s.Address)) ? IPAddress.Loopback : IPAddress.Any, 0);
        var node = DhtNode.Create(key, new UdpTransport(bind));
        await using var owned = node.ConfigureAwait(false);
        node.Start();
        if (await node.BootstrapAsync(seeds, cancellationToken).ConfigureAwait(false) == 0)
        {
            return [];
        }

        var graph = await NetworkMap.CrawlAsync(node, maxNodes: MaxNodes, cancellationToken: cancellationToken).ConfigureAwait(false);
        var urls = new List<StorageUrl>();
        await Parallel.ForEachAsync(graph.Nodes.Where(n => n.Answered), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (entry, ct) =>
        {
            var id = NodeId.Parse(entry.Id);
            if (await node.GetAsync(DhtRecord.MutableKey(id, Salt), ct).ConfigureAwait(false) is { } found && found.Owner == id
                && StorageUrl.TryParse(Encoding.UTF8.GetString(found.Value), out var url, out _) && url!.NodeId == id)
            {
                lock (urls)
                {
                    urls.Add(url);
                }
            }
        }).ConfigureAwait(false);
        return urls;
    }
}
