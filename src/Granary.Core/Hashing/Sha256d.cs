using System.Security.Cryptography;

namespace Granary.Core.Hashing;

/// <summary>SHA-256 applied twice, the only hash the CHK format uses.</summary>
public static class Sha256d
{
    public const int HashSize = 32;

    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        Span<byte> inner = stackalloc byte[HashSize];
        SHA256.HashData(data, inner);
        SHA256.HashData(inner, destination);
    }

    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        var result = new byte[HashSize];
        Hash(data, result);
        return result;
    }
}
