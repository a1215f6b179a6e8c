using Granary.Core.Formats;

namespace Granary.Hub.Dataserv;

/// <summary>
/// dataserv's address check (pycoin 0.52 through btctxstore, spec §9): base58 characters, a valid
/// Base58Check checksum and a mainnet version byte (0x00 P2PKH or 0x05 P2SH), with no length check —
/// so short and over-long payloads pass, as they did on the reference.
/// </summary>
internal static class DataservAddress
{
    /// <summary>Longer strings are refused outright: decoding base58 is quadratic, and no address is this long.</summary>
    public const int MaxLength = 256;

    public static bool IsValid(string text) =>
        text.Length is > 0 and <= MaxLength
        && Base58.TryDecodeCheck(text, out var payload, out _)
        && payload.Length > 0
        && payload[0] is 0x00 or 0x05;
}
