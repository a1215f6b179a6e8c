using System.Security.Cryptography;

namespace Granary.Core.Hashing;

/// <summary>
/// Computes <c>H(tag, value)</c> over a value fed in pieces. Reusable: finishing resets
/// it to hash another value under the same tag.
/// </summary>
public sealed class TaggedHasher : IDisposable
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _prefix;

    internal TaggedHasher(byte[] prefix)
    {
        _prefix = prefix;
        _sha.AppendData(_prefix);
    }

    public void Append(ReadOnlySpan<byte> data) => _sha.AppendData(data);

    public void Finish(Span<byte> destination)
    {
        Span<byte> inner = stackalloc byte[Sha256d.HashSize];
        _sha.GetHashAndReset(inner);
        SHA256.HashData(inner, destination);
        _sha.AppendData(_prefix);
    }

    public byte[] Finish()
    {
        var result = new byte[Sha256d.HashSize];
        Finish(result);
        return result;
    }

    public void Dispose() => _sha.Dispose();
}
