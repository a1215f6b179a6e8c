using System.Security.Cryptography;

namespace Granary.Core.Mutable;

/// <summary>
/// The RSA private key of one mutable file or directory: whoever holds it can sign new versions.
/// Its PKCS#8 DER encoding is what the write key is hashed from, so the exact bytes matter
/// (mutable-dirnode §3.1). Tahoe-LAFS only ever loads 2048-bit keys, and so does this type.
/// </summary>
public sealed class SigningKey : IDisposable
{
    /// <summary>The only modulus size Tahoe-LAFS accepts for a writer's key.</summary>
    public const int KeySizeInBits = 2048;

    /// <summary>Bytes of a PSS signature under a 2048-bit key.</summary>
    public const int SignatureSize = KeySizeInBits / 8;

    private readonly RSA _rsa;
    private readonly byte[] _privateKeyDer;

    private SigningKey(RSA rsa, byte[] privateKeyDer)
    {
        if (rsa.KeySize != KeySizeInBits)
        {
            rsa.Dispose();
            throw new CryptographicException($"A mutable file's key must be a {KeySizeInBits}-bit RSA key; this one is {rsa.KeySize} bits.");
        }

        _rsa = rsa;
        _privateKeyDer = privateKeyDer;
        VerifyingKey = VerifyingKey.FromSubjectPublicKeyInfo(rsa.ExportSubjectPublicKeyInfo());
    }

    /// <summary>PKCS#8 <c>PrivateKeyInfo</c> DER, the bytes the write key is derived from.</summary>
    public ReadOnlySpan<byte> PrivateKeyDer => _privateKeyDer;

    /// <summary>The public half, as stored in every share.</summary>
    public VerifyingKey VerifyingKey { get; }

    /// <summary>A fresh 2048-bit key with public exponent 65537, as Tahoe-LAFS makes for a new file.</summary>
    public static SigningKey Generate()
    {
        var rsa = RSA.Create(KeySizeInBits);
        return new SigningKey(rsa, rsa.ExportPkcs8PrivateKey());
    }

    /// <summary>
    /// Loads a PEM key, PKCS#1 (<c>BEGIN RSA PRIVATE KEY</c>, the form of Tahoe's test vectors) or
    /// PKCS#8 (<c>BEGIN PRIVATE KEY</c>). Like Tahoe's key loading, the key is re-encoded as
    /// canonical PKCS#8 before anything is derived from it.
    /// </summary>
    public static SigningKey FromPem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return new SigningKey(rsa, rsa.ExportPkcs8PrivateKey());
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads PKCS#8 DER. The bytes are kept as given, because a key recovered from a share's
    /// encrypted private key is vouched for by the hash of exactly those bytes (§10 step 5).
    /// </summary>
    public static SigningKey FromPkcs8(ReadOnlySpan<byte> der)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportPkcs8PrivateKey(der, out var read);
            if (read != der.Length)
            {
                throw new CryptographicException($"The PKCS#8 key has {der.Length - read} bytes after its end.");
            }

            return new SigningKey(rsa, der.ToArray());
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    /// <summary>RSASSA-PSS (SHA-256, MGF1-SHA-256, 32-byte salt) over <paramref name="message"/> itself: 256 bytes.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message) => _rsa.SignData(message, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);

    /// <summary>The PKCS#8 key as PEM (<c>BEGIN PRIVATE KEY</c>), for keeping it in a file.</summary>
    public string ExportPem() => PemEncoding.WriteString("PRIVATE KEY", _privateKeyDer);

    public void Dispose() => _rsa.Dispose();
}
