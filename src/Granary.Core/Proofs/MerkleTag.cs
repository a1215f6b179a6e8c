using System.Text.Json;

namespace Granary.Core.Proofs;

/// <summary>
/// The public part of an encoded chunk, handed to the farmer once with the contract: every node of
/// the Merkle tree (a heap array of <c>2·2^order</c> entries, empty ones zero-length), and the
/// chunk and file sizes a leaf's bytes are read with. The farmer keeps it to build proofs; it reveals
/// nothing that lets anyone answer without the file. JSON (sorted keys):
/// <c>{"chunksz": c, "filesz": f, "tree": {"leaves": [], "nodes": [b64, …], "order": d}}</c>.
/// </summary>
public sealed class MerkleTag
{
    public MerkleTag(IReadOnlyList<byte[]> nodes, int order, long chunkSize, long fileSize)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentOutOfRangeException.ThrowIfNegative(order);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, MerkleHeartbeat.MaxOrder);
        if (nodes.Count != 2 << order)
        {
            throw new ArgumentException($"A tree of order {order} has {2 << order} nodes, not {nodes.Count}.", nameof(nodes));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(chunkSize);
        ArgumentOutOfRangeException.ThrowIfNegative(fileSize);
        Nodes = nodes;
        Order = order;
        ChunkSize = chunkSize;
        FileSize = fileSize;
    }

    public IReadOnlyList<byte[]> Nodes { get; }

    public int Order { get; }

    /// <summary>Bytes hashed per leaf as configured (clamped to the file size when hashing).</summary>
    public long ChunkSize { get; }

    public long FileSize { get; }

    public byte[] Root => Nodes[0];

    public static bool TryParse(JsonElement json, out MerkleTag? tag)
    {
        tag = null;
        if (json.ValueKind != JsonValueKind.Object
            || !TryLong(json, "chunksz", out var chunkSize) || !TryLong(json, "filesz", out var fileSize)
            || !json.TryGetProperty("tree", out var tree) || tree.ValueKind != JsonValueKind.Object
            || !TryLong(tree, "order", out var order) || order > MerkleHeartbeat.MaxOrder
            || !tree.TryGetProperty("nodes", out var nodes) || nodes.ValueKind != JsonValueKind.Array || nodes.GetArrayLength() != 2 << (int)order)
        {
            return false;
        }

        var decoded = new byte[nodes.GetArrayLength()][];
        var i = 0;
        foreach (var node in nodes.EnumerateArray())
        {
            if (!HeartbeatJson.TryBytes(node, out decoded[i++]))
            {
                return false;
            }
        }

        tag = new MerkleTag(decoded, (int)order, chunkSize, fileSize);
        return true;
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteNumber("chunksz", ChunkSize);
        writer.WriteNumber("filesz", FileSize);
        writer.WriteStartObject("tree");
        writer.WriteStartArray("leaves");
        writer.WriteEndArray();
        writer.WriteStartArray("nodes");
        foreach (var node in Nodes)
        {
            writer.WriteBase64StringValue(node);
        }

        writer.WriteEndArray();
        writer.WriteNumber("order", Order);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public string ToJson() => HeartbeatJson.Write(WriteTo);

    private static bool TryLong(JsonElement json, string name, out long value)
    {
        value = 0;
        return json.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value) && value >= 0;
    }
}
