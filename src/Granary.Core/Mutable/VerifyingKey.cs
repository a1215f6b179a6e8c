using System.Security.Cryptography;

namespace Granary.Core.Mutable;

/// <summary>
/// The RSA public key of a mutable file, stored unencrypted in every share as X.509
/// <c>SubjectPublicKeyInfo</c> DER. Caps carry only its fingerprint; a reader trusts a share's key
/// when the stored bytes hash to that fingerprint. No size check: Tahoe checks none when verifying.
/// </summary>
public sealed class VerifyingKey
{
    private readonly byte[] _der;
    private readonly byte[] _fingerprint;

    private VerifyingKey(byte[] der)
    {
        _der = der;
        _fingerprint = MutableSecrets.Fingerprint(der);
    }

    /// <summary>The DER bytes as stored in shares (294 bytes for a 2048-bit key).</summary>
    public ReadOnlySpan<byte> Der => _der;

    /// <summary><c>H(FINGERPRINT, der)</c>: the 32 bytes every cap of the file carries.</summary>
    public ReadOnlySpan<byte> Fingerprint => _fingerprint;

    /// <summary>Reads SPKI DER; throws <see cref="CryptographicException"/> when it is not an RSA public key.</summary>
    public static VerifyingKey FromSubjectPublicKeyInfo(ReadOnlySpan<byte> der)
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(der, out var read);
        if (read != der.Length)
        {
            throw new CryptographicException($"The public key has {der.Length - read} bytes after its end.");
        }

        return new VerifyingKey(der.ToArray());
    }

    /// <summary>Whether <paramref name="signature"/> is a valid PSS signature (SHA-256, salt 32) of <paramref name="message"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(_der, out _);
        try
        {
            return rsa.VerifyData(message, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
