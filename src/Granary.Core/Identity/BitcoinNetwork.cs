namespace Granary.Core.Identity;

/// <summary>Which bitcoin network's version bytes a key or address carries.</summary>
public enum BitcoinNetwork
{
    Mainnet,
    Testnet,
}

/// <summary>The version bytes of each network's formats.</summary>
internal static class NetworkVersions
{
    public static byte PublicKeyHash(BitcoinNetwork network) => network == BitcoinNetwork.Mainnet ? (byte)0x00 : (byte)0x6F;

    public static byte ScriptHash(BitcoinNetwork network) => network == BitcoinNetwork.Mainnet ? (byte)0x05 : (byte)0xC4;

    public static byte Wif(BitcoinNetwork network) => network == BitcoinNetwork.Mainnet ? (byte)0x80 : (byte)0xEF;

    public static uint ExtendedPrivate(BitcoinNetwork network) => network == BitcoinNetwork.Mainnet ? 0x0488ADE4u : 0x04358394u;

    public static uint ExtendedPublic(BitcoinNetwork network) => network == BitcoinNetwork.Mainnet ? 0x0488B21Eu : 0x043587CFu;
}
