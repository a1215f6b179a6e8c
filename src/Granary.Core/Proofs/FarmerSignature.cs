using Granary.Core.Formats;
using Granary.Core.Identity;

namespace Granary.Core.Proofs;

/// <summary>
/// siggy 0.1.0's <c>verify_signature</c>, with which the downstream node checks the signed message
/// a farmer registers its address with (<c>POST /new</c>, proofs-of-storage §2.11). Looser than
/// <see cref="BitcoinMessage.Verify(string, string, string)"/> in the ways siggy is: the header byte
/// is ignored, both recovery candidates for <c>x = r</c> are tried, and either key encoding
/// (compressed or uncompressed) may match the address. Where the 2015 code raised (an address that
/// is not a version-0 Base58Check address, a signature too short to hold r and s), this answers
/// false, so the node can refuse with 400 rather than fail with 500.
/// </summary>
public static class FarmerSignature
{
    /// <summary>The only signature length the node accepts: Base64 of 65 bytes.</summary>
    public const int Length = 88;

    private const int AddressPayload = 21;

    public static bool Verify(string message, string signature, string address)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(address);
        if (signature.Length != Length
            || !Base58.TryDecodeCheck(address, out var payload, out _) || payload.Length != AddressPayload || payload[0] != 0
            || !LenientBase64.TryDecode(signature, out var bytes) || bytes.Length < BitcoinMessage.SignatureSize)
        {
            return false;
        }

        var digest = BitcoinMessage.Hash(message);
        var expected = payload.AsSpan(1);
        for (var recoveryId = 0; recoveryId < 2; recoveryId++)
        {
            if (Secp256k1.Recover(bytes.AsSpan(1, 64), recoveryId, digest, compressed: true) is not { } recovered)
            {
                continue;
            }

            var key = PublicKey.FromTrusted(recovered);
            if (expected.SequenceEqual(key.Hash160()) || expected.SequenceEqual(key.ToUncompressed().Hash160()))
            {
                return true;
            }
        }

        return false;
    }
}
