using System.Text.Json;

namespace Granary.Core.Proofs;

/// <summary>
/// A farmer's answer to one challenge: the leaf (its index and blob, the HMAC of the file bytes the
/// challenge's seed points at) and the branch from that leaf to the root, one (left, right) row per
/// level. JSON (sorted keys): <c>{"branch": {"rows": [[b64, b64], …]}, "leaf": {"blob": b64, "index": k}}</c>.
/// </summary>
public sealed class MerkleProof
{
    /// <summary>The index of a proof whose <c>leaf.index</c> was not an integer: it matches no challenge.</summary>
    public const int NotAnIndex = -1;

    public MerkleProof(int index, ReadOnlySpan<byte> blob, IReadOnlyList<(byte[] Left, byte[] Right)> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        Index = index;
        Blob = blob.ToArray();
        Rows = rows;
    }

    public int Index { get; }

    public byte[] Blob { get; }

    public IReadOnlyList<(byte[] Left, byte[] Right)> Rows { get; }

    /// <summary>
    /// Reads a proof as the node did; false is the node's <c>Proof corrupted</c> (not an object,
    /// missing keys, a row that is not a pair, bad Base64 padding). An index that is present but not
    /// an integer (<c>"3"</c>) reads as <see cref="NotAnIndex"/>, so the proof is simply invalid.
    /// </summary>
    public static bool TryParse(JsonElement json, out MerkleProof? proof)
    {
        proof = null;
        if (json.ValueKind != JsonValueKind.Object
            || !json.TryGetProperty("leaf", out var leaf) || leaf.ValueKind != JsonValueKind.Object
            || !leaf.TryGetProperty("index", out var index)
            || !leaf.TryGetProperty("blob", out var blob) || !HeartbeatJson.TryBytes(blob, out var blobBytes)
            || !json.TryGetProperty("branch", out var branch) || branch.ValueKind != JsonValueKind.Object
            || !branch.TryGetProperty("rows", out var rows) || rows.ValueKind != JsonValueKind.Array
            || rows.GetArrayLength() > MerkleHeartbeat.MaxOrder)
        {
            return false;
        }

        var decoded = new List<(byte[], byte[])>(rows.GetArrayLength());
        foreach (var row in rows.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != 2
                || !HeartbeatJson.TryBytes(row[0], out var left) || !HeartbeatJson.TryBytes(row[1], out var right))
            {
                return false;
            }

            decoded.Add((left, right));
        }

        var indexValue = index.ValueKind == JsonValueKind.Number && index.TryGetInt32(out var parsed) && parsed >= 0 ? parsed : NotAnIndex;
        proof = new MerkleProof(indexValue, blobBytes, decoded);
        return true;
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteStartObject("branch");
        writer.WriteStartArray("rows");
        foreach (var (left, right) in Rows)
        {
            writer.WriteStartArray();
            writer.WriteBase64StringValue(left);
            writer.WriteBase64StringValue(right);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteStartObject("leaf");
        writer.WriteBase64String("blob", Blob);
        writer.WriteNumber("index", Index);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public string ToJson() => HeartbeatJson.Write(WriteTo);
}
