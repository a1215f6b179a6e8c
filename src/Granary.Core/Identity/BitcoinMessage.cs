using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Granary.Core.Identity;

/// <summary>
/// Bitcoin signed messages, as bitcoind's <c>signmessage</c>/<c>verifymessage</c> and btctxstore do
/// them: the message (UTF-8) behind the magic prefix and a CompactSize length, hashed with double
/// SHA-256, signed with a recoverable signature written as base64 of 65 bytes — a header
/// (27 + recovery id, + 4 when the key is compressed), then r and s.
/// </summary>
public static class BitcoinMessage
{
    public const int SignatureSize = 65;

    private static readonly byte[] Magic = "\u0018Bitcoin Signed Message:\n"u8.ToArray();

    /// <summary>The 32-byte digest a signed message's signature is over.</summary>
    public static byte[] Hash(string message)
    {
        var text = Encoding.UTF8.GetBytes(message);
        var length = CompactSize(text.Length);
        var buffer = new byte[Magic.Length + length.Length + text.Length];
        Magic.CopyTo(buffer, 0);
        length.CopyTo(buffer, Magic.Length);
        text.CopyTo(buffer, Magic.Length + length.Length);
        return SHA256.HashData(SHA256.HashData(buffer));
    }

    public static string Sign(PrivateKey key, string message)
    {
        var (compact, recoveryId) = Secp256k1.SignRecoverable(key.Secret, Hash(message));
        var signature = new byte[SignatureSize];
        signature[0] = (byte)(27 + recoveryId + (key.Compressed ? 4 : 0));
        compact.CopyTo(signature, 1);
        return Convert.ToBase64String(signature);
    }

    /// <summary>
    /// Whether <paramref name="signature"/> over <paramref name="message"/> was made by the key
    /// behind <paramref name="address"/>, found by public-key recovery. Throws
    /// <see cref="FormatException"/> when the address or signature is malformed (not merely wrong).
    /// </summary>
    public static bool Verify(string address, string signature, string message)
    {
        var expected = BitcoinAddress.Parse(address);
        var recovered = RecoverPublicKey(signature, message);
        return recovered is not null
            && expected.Kind == AddressKind.PublicKeyHash
            && recovered.Address(expected.Network).Equals(expected);
    }

    /// <summary>Whether <paramref name="signature"/> over <paramref name="message"/> verifies under a known key (no recovery: faster).</summary>
    public static bool Verify(PublicKey key, string signature, string message)
    {
        var bytes = Decode(signature);
        return Secp256k1.Verify(bytes.AsSpan(1), Hash(message), key.Bytes);
    }

    /// <summary>
    /// The public key a signature recovers to, in the encoding its header names; null when it
    /// recovers to none. Throws <see cref="FormatException"/> when the signature is malformed.
    /// </summary>
    public static PublicKey? RecoverPublicKey(string signature, string message) => RecoverPublicKey(Decode(signature), message);

    /// <summary>
    /// The public key a 65-byte signature recovers to, in the encoding its header names; null when
    /// the header is outside 27..34 or the signature recovers to no key.
    /// </summary>
    public static PublicKey? RecoverPublicKey(ReadOnlySpan<byte> signature, string message)
    {
        if (signature.Length != SignatureSize || signature[0] is < 27 or > 34)
        {
            return null;
        }

        var header = signature[0] - 27;
        var recovered = Secp256k1.Recover(signature[1..], header & 3, Hash(message), compressed: header >= 4);
        return recovered is null ? null : PublicKey.FromTrusted(recovered);
    }

    private static byte[] Decode(string signature)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(signature.Trim());
        }
        catch (FormatException e)
        {
            throw new FormatException("The signature is not valid base64.", e);
        }

        if (bytes.Length != SignatureSize)
        {
            throw new FormatException($"A signed-message signature is {SignatureSize} bytes; this one is {bytes.Length}.");
        }

        if (bytes[0] is < 27 or > 34)
        {
            throw new FormatException($"The signature's header byte {bytes[0]} is outside 27..34.");
        }

        return bytes;
    }

    // Bitcoin's CompactSize length prefix.
    private static byte[] CompactSize(int length) => length switch
    {
        < 0xFD => [(byte)length],
        <= 0xFFFF => [0xFD, (byte)length, (byte)(length >> 8)],
        _ => Prefixed(0xFE, (uint)length),
    };

    private static byte[] Prefixed(byte marker, uint value)
    {
        var bytes = new byte[5];
        bytes[0] = marker;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(1), value);
        return bytes;
    }
}
