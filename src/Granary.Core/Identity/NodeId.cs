namespace Granary.Core.Identity;

/// <summary>
/// A node's 160-bit identity: hash160 of its compressed public key. Written as 40 hex digits, or
/// as the bitcoin address with the same hash (which is how Storj's tools show it).
/// </summary>
public readonly struct NodeId : IEquatable<NodeId>, IComparable<NodeId>
{
    public const int Size = 20;

    private readonly byte[]? _bytes;

    public NodeId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A node id is {Size} bytes, not {bytes.Length}.", nameof(bytes));
        }

        _bytes = bytes.ToArray();
    }

    public ReadOnlySpan<byte> Bytes => _bytes ?? new byte[Size];

    public BitcoinAddress ToAddress(BitcoinNetwork network = BitcoinNetwork.Mainnet) => BitcoinAddress.FromPublicKeyHash(Bytes, network);

    /// <summary>Accepts 40 hex digits or a P2PKH address.</summary>
    public static bool TryParse(string text, out NodeId id, out string error)
    {
        id = default;
        text = text.Trim();
        if (text.Length == 2 * Size && text.All(char.IsAsciiHexDigit))
        {
            id = new NodeId(Convert.FromHexString(text));
            error = "";
            return true;
        }

        if (BitcoinAddress.TryParse(text, out var address, out error))
        {
            if (address!.Kind != AddressKind.PublicKeyHash)
            {
                error = "a node id is a P2PKH address, not a P2SH one";
                return false;
            }

            id = new NodeId(address.Hash);
            return true;
        }

        error = $"'{text}' is neither 40 hex digits nor a bitcoin address ({error})";
        return false;
    }

    public static NodeId Parse(string text) => TryParse(text, out var id, out var error) ? id : throw new FormatException($"Invalid node id: {error}.");

    public override string ToString() => Convert.ToHexStringLower(Bytes);

    public bool Equals(NodeId other) => Bytes.SequenceEqual(other.Bytes);

    public override bool Equals(object? obj) => obj is NodeId other && Equals(other);

    public override int GetHashCode() => BitConverter.ToInt32(Bytes);

    public int CompareTo(NodeId other) => Bytes.SequenceCompareTo(other.Bytes);

    public static bool operator ==(NodeId left, NodeId right) => left.Equals(right);

    public static bool operator !=(NodeId left, NodeId right) => !left.Equals(right);

    public static bool operator <(NodeId left, NodeId right) => left.CompareTo(right) < 0;

    public static bool operator >(NodeId left, NodeId right) => left.CompareTo(right) > 0;

    public static bool operator <=(NodeId left, NodeId right) => left.CompareTo(right) <= 0;

    public static bool operator >=(NodeId left, NodeId right) => left.CompareTo(right) >= 0;
}
