using System.Text.Json;

namespace Granary.Core.Proofs;

/// <summary>
/// One heartbeat challenge: the leaf <see cref="Index"/> to prove and its <see cref="Seed"/>, which
/// says where in the file the leaf's bytes lie. JSON <c>{"index": k, "seed": b64}</c>.
/// </summary>
public sealed class MerkleChallenge
{
    public MerkleChallenge(ReadOnlySpan<byte> seed, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        Seed = seed.ToArray();
        Index = index;
    }

    public byte[] Seed { get; }

    public int Index { get; }

    public static bool TryParse(JsonElement json, out MerkleChallenge? challenge)
    {
        challenge = null;
        if (json.ValueKind != JsonValueKind.Object
            || !json.TryGetProperty("seed", out var seed) || !HeartbeatJson.TryBytes(seed, out var seedBytes)
            || !json.TryGetProperty("index", out var index) || index.ValueKind != JsonValueKind.Number || !index.TryGetInt32(out var indexValue) || indexValue < 0)
        {
            return false;
        }

        challenge = new MerkleChallenge(seedBytes, indexValue);
        return true;
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteNumber("index", Index);
        writer.WriteBase64String("seed", Seed);
        writer.WriteEndObject();
    }

    public string ToJson() => HeartbeatJson.Write(WriteTo);
}
