using System.Globalization;
using Granary.Core.Formats;
using Granary.Core.Hashing;

namespace Granary.Core.Chk;

/// <summary>
/// The first of the two passes over a file: its AES key is
/// <c>H(tag, plaintext)[0:16]</c> with <c>tag = "…added_secret_v1+" ns(secret) ns("k,n,segsize")</c>
/// (chk-format §5), so identical files under the same secret and parameters converge to one key.
/// </summary>
public sealed class ConvergentKeyHasher : IDisposable
{
    private readonly TaggedHasher _hasher;

    public ConvergentKeyHasher(ReadOnlySpan<byte> convergenceSecret, ChkParameters parameters)
    {
        var codec = string.Create(CultureInfo.InvariantCulture, $"{parameters.K},{parameters.N},{parameters.SegmentSize}");
        var prefix = HashTag.ConvergentKeyPrefix.Value.Span;
        var tag = new byte[prefix.Length + Netstring.GetEncodedLength(convergenceSecret.Length) + Netstring.GetEncodedLength(codec.Length)];
        prefix.CopyTo(tag);
        var written = prefix.Length;
        written += Netstring.Write(convergenceSecret, tag.AsSpan(written));
        Netstring.Write(System.Text.Encoding.ASCII.GetBytes(codec), tag.AsSpan(written));
        _hasher = new HashTag(tag).CreateHasher();
    }

    public void Append(ReadOnlySpan<byte> plaintext) => _hasher.Append(plaintext);

    /// <summary>The 16-byte AES key of everything appended.</summary>
    public byte[] Finish() => _hasher.Finish()[..Crypto.AesCtr.KeySize];

    public void Dispose() => _hasher.Dispose();
}
