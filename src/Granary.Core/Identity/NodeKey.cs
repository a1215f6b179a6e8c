namespace Granary.Core.Identity;

/// <summary>
/// A node's key as storjnode's <c>--node_key</c> takes it: a WIF private key or a BIP32 extended
/// private key ("HWIF"), whose own key is the node's. The node id is hash160 of the compressed
/// public key either way.
/// </summary>
public sealed class NodeKey : IDisposable
{
    private NodeKey(PrivateKey privateKey, ExtendedKey? extended)
    {
        PrivateKey = privateKey;
        Extended = extended;
    }

    public PrivateKey PrivateKey { get; }

    /// <summary>The extended key this node key came from, if it came from one.</summary>
    public ExtendedKey? Extended { get; }

    public NodeId NodeId => PrivateKey.NodeId;

    /// <summary>The node's address: that of its compressed public key, the same hash as <see cref="NodeId"/>.</summary>
    public BitcoinAddress Address => NodeId.ToAddress(PrivateKey.Network);

    public static NodeKey Generate(BitcoinNetwork network = BitcoinNetwork.Mainnet) => new(PrivateKey.Generate(network), null);

    /// <summary>Accepts a WIF key or an xprv/tprv; says why the text is neither.</summary>
    public static bool TryParse(string text, out NodeKey? key, out string error)
    {
        key = null;
        text = text.Trim();
        if (text.StartsWith("xprv", StringComparison.Ordinal) || text.StartsWith("tprv", StringComparison.Ordinal))
        {
            if (!ExtendedKey.TryParse(text, out var extended, out error))
            {
                return false;
            }

            key = new NodeKey(extended!.PrivateKey, extended);
            return true;
        }

        if (text.StartsWith("xpub", StringComparison.Ordinal) || text.StartsWith("tpub", StringComparison.Ordinal))
        {
            error = "an xpub is a public key; a node key must be private (WIF or xprv)";
            return false;
        }

        if (!PrivateKey.TryParseWif(text, out var wif, out error))
        {
            error = $"neither a WIF nor an xprv key: {error.Replace("not a WIF key: ", "", StringComparison.Ordinal)}";
            return false;
        }

        key = new NodeKey(wif!, null);
        return true;
    }

    public static NodeKey Parse(string text) =>
        TryParse(text, out var key, out var error) ? key! : throw new FormatException(char.ToUpperInvariant(error[0]) + error[1..] + ".");

    /// <summary>The key's text: the xprv it came from, else its WIF. A secret.</summary>
    public string Serialize() => Extended?.Serialize() ?? PrivateKey.ToWif();

    public override string ToString() => $"NodeKey({NodeId})";

    public void Dispose() => PrivateKey.Dispose();
}
