using System.Globalization;
using System.Text;
using System.Text.Json;
using Granary.Core.Identity;
using Granary.Dht.Routing;
using Granary.Dht.Wire;

namespace Granary.Dht.Map;

/// <summary>A node of the map; <c>Answered</c> is false for nodes others named but that did not answer the crawl.</summary>
public sealed record MapNode(string Id, string EndPoint, bool Answered);

/// <summary>An edge of the map: <c>From</c> has <c>To</c> in its routing table.</summary>
public sealed record MapEdge(string From, string To);

/// <summary>The network as a crawl saw it.</summary>
public sealed record NetworkGraph(IReadOnlyList<MapNode> Nodes, IReadOnlyList<MapEdge> Edges)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>
    /// The map drawn on a circle: each node at the angle its id gives it in the 160-bit space (so
    /// neighbours in XOR distance sit near each other), edges as faint chords. Nodes that did not
    /// answer are hollow.
    /// </summary>
    public string ToSvg()
    {
        const int size = 1000;
        const double radius = 430;
        var center = size / 2.0;
        var positions = Nodes.ToDictionary(n => n.Id, n =>
        {
            var angle = (Convert.ToUInt64(n.Id[..16], 16) / (double)ulong.MaxValue * 2 * Math.PI) - (Math.PI / 2);
            return (X: center + (radius * Math.Cos(angle)), Y: center + (radius * Math.Sin(angle)));
        });
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size}\" height=\"{size}\" viewBox=\"0 0 {size} {size}\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<title>Granary DHT: {Nodes.Count} nodes, {Edges.Count} links</title>\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{center}\" cy=\"{center}\" r=\"{radius}\" fill=\"none\" stroke=\"#d1d5db\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<g stroke=\"#2f6f3e\" stroke-opacity=\"{(Edges.Count > 500 ? 0.08 : 0.3)}\" stroke-width=\"1\">\n");
        foreach (var edge in Edges)
        {
            if (positions.TryGetValue(edge.From, out var a) && positions.TryGetValue(edge.To, out var b))
            {
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{a.X:0.#}\" y1=\"{a.Y:0.#}\" x2=\"{b.X:0.#}\" y2=\"{b.Y:0.#}\"/>\n");
            }
        }

        svg.Append("</g>\n<g font-family=\"monospace\" font-size=\"10\">\n");
        foreach (var node in Nodes)
        {
            var (x, y) = positions[node.Id];
            svg.Append(CultureInfo.InvariantCulture,
                $"<circle cx=\"{x:0.#}\" cy=\"{y:0.#}\" r=\"5\" fill=\"{(node.Answered ? "#2f6f3e" : "#ffffff")}\" stroke=\"#2f6f3e\"><title>{node.Id} {node.EndPoint}</title></circle>\n");
            if (Nodes.Count <= 64)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 8:0.#}\" y=\"{y + 3:0.#}\">{node.Id[..8]}</text>\n");
            }
        }

        svg.Append("</g>\n</svg>\n");
        return svg.ToString();
    }
}

/// <summary>
/// Maps the network from one node: asks every node it learns of for its neighbours (the nodes
/// closest to its own id and to a random id), a bounded number at a time, until no new node turns
/// up or the map holds <c>maxNodes</c>.
/// </summary>
public static class NetworkMap
{
    public static async Task<NetworkGraph> CrawlAsync(DhtNode from, int maxNodes = 1000, int concurrency = 16, CancellationToken cancellationToken = default)
    {
        var nodes = new Dictionary<NodeId, MapNode> { [from.Id] = new MapNode(from.Id.ToString(), from.EndPoint.ToString(), true) };
        var edges = new HashSet<MapEdge>();
        var queue = new Queue<Contact>();
        var gate = new Lock();
        foreach (var contact in from.Contacts)
        {
            edges.Add(new MapEdge(from.Id.ToString(), contact.Id.ToString()));
            if (nodes.TryAdd(contact.Id, new MapNode(contact.Id.ToString(), contact.EndPoint.ToString(), false)))
            {
                queue.Enqueue(contact);
            }
        }

        var random = new Random();
        var running = new List<Task>();
        while (true)
        {
            lock (gate)
            {
                while (running.Count < concurrency && queue.Count > 0)
                {
                    var contact = queue.Dequeue();
                    running.Add(AskAsync(contact));
                }
            }

            if (running.Count == 0)
            {
                break;
            }

            var done = await Task.WhenAny(running).ConfigureAwait(false);
            running.Remove(done);
        }

        return new NetworkGraph([.. nodes.Values.OrderBy(n => n.Id, StringComparer.Ordinal)], [.. edges.OrderBy(e => e.From, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal)]);

        async Task AskAsync(Contact contact)
        {
            var targets = new[] { contact.Id, RandomId(random) };
            var answers = await Task.WhenAll(targets.Select(target => from.RequestAsync(contact.EndPoint, contact.Id, MessageKind.FindNode, Payloads.Id(target), cancellationToken))).ConfigureAwait(false);
            lock (gate)
            {
                if (answers.Any(a => a is not null))
                {
                    nodes[contact.Id] = nodes[contact.Id] with { Answered = true };
                }

                foreach (var answer in answers)
                {
                    if (answer is not { } envelope || !Payloads.TryReadContacts(envelope.Payload, out var neighbours))
                    {
                        continue;
                    }

                    foreach (var neighbour in neighbours)
                    {
                        edges.Add(new MapEdge(contact.Id.ToString(), neighbour.Id.ToString()));
                        if (nodes.Count < maxNodes && nodes.TryAdd(neighbour.Id, new MapNode(neighbour.Id.ToString(), neighbour.EndPoint.ToString(), false)))
                        {
                            queue.Enqueue(neighbour);
                        }
                    }
                }
            }
        }
    }

    private static NodeId RandomId(Random random)
    {
        var bytes = new byte[NodeId.Size];
        lock (random)
        {
            random.NextBytes(bytes);
        }

        return new NodeId(bytes);
    }
}
