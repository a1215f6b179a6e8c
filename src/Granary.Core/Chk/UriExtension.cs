using System.Globalization;
using System.Text;
using Granary.Core.Formats;
using Granary.Core.Hashing;

namespace Granary.Core.Chk;

/// <summary>
/// The URI extension block (UEB): the eleven fields every share of a CHK file carries and whose
/// hash the read cap holds, binding the encoding parameters and the three root hashes to the cap
/// (chk-format §9.4). Serialized as <c>key ":" ns(value)</c> for each key in byte order.
/// </summary>
public sealed class UriExtension
{
    /// <summary>Tahoe's bound on a UEB; ours are about 330 bytes.</summary>
    public const int MaxSerializedLength = 1000;

    private const string CodecName = "crs";

    public UriExtension(ChkParameters parameters, byte[] crypttextHash, byte[] crypttextRootHash, byte[] shareRootHash)
    {
        RequireHash(crypttextHash, "crypttext_hash");
        RequireHash(crypttextRootHash, "crypttext_root_hash");
        RequireHash(shareRootHash, "share_root_hash");
        Parameters = parameters;
        CrypttextHash = crypttextHash;
        CrypttextRootHash = crypttextRootHash;
        ShareRootHash = shareRootHash;
    }

    public ChkParameters Parameters { get; }

    /// <summary><c>H("allmydata_crypttext_v1", ciphertext)</c> over the whole ciphertext.</summary>
    public byte[] CrypttextHash { get; }

    /// <summary>Root of the tree over the ciphertext segment hashes.</summary>
    public byte[] CrypttextRootHash { get; }

    /// <summary>Root of the tree over the n block-hash-tree roots.</summary>
    public byte[] ShareRootHash { get; }

    public byte[] Serialize()
    {
        var fields = Fields();
        var length = 0;
        foreach (var (key, value) in fields)
        {
            length += key.Length + 1 + Netstring.GetEncodedLength(value.Length);
        }

        var result = new byte[length];
        var written = 0;
        foreach (var (key, value) in fields)
        {
            written += Encoding.ASCII.GetBytes(key, result.AsSpan(written));
            result[written++] = (byte)':';
            written += Netstring.Write(value, result.AsSpan(written));
        }

        return result;
    }

    /// <summary>The length <see cref="Serialize"/> will produce: known before any hash is.</summary>
    public static int SerializedLength(ChkParameters parameters) =>
        new UriExtension(parameters, new byte[32], new byte[32], new byte[32]).Serialize().Length;

    /// <summary><c>H("allmydata_uri_extension_v1", serialized)</c>, the hash a read cap holds.</summary>
    public static byte[] HashOf(ReadOnlySpan<byte> serialized) => HashTag.UriExtension.Hash(serialized);

    /// <summary>
    /// Parses a UEB and checks that its fields agree with each other. Keys this version does not use
    /// (Tahoe's old plaintext hashes) are ignored. Throws <see cref="FormatException"/> saying what is wrong.
    /// </summary>
    public static UriExtension Parse(ReadOnlySpan<byte> serialized)
    {
        if (serialized.Length > MaxSerializedLength)
        {
            throw new FormatException($"A URI extension block is at most {MaxSerializedLength} bytes; this one is {serialized.Length}.");
        }

        var fields = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        while (!serialized.IsEmpty)
        {
            var colon = serialized.IndexOf((byte)':');
            if (colon <= 0)
            {
                throw new FormatException("A URI extension field must start with a key and ':'.");
            }

            var key = Encoding.ASCII.GetString(serialized[..colon]);
            foreach (var c in key)
            {
                if (!(char.IsAsciiLetter(c) || c is '_' or '-'))
                {
                    throw new FormatException($"URI extension key '{key}' has a character other than letters, '_' and '-'.");
                }
            }

            if (!Netstring.TryRead(serialized[(colon + 1)..], out var value, out var consumed))
            {
                throw new FormatException($"URI extension field '{key}' is truncated.");
            }

            if (!fields.TryAdd(key, value.ToArray()))
            {
                throw new FormatException($"URI extension key '{key}' appears twice.");
            }

            serialized = serialized[(colon + 1 + consumed)..];
        }

        var codec = Text(fields, "codec_name");
        if (codec != CodecName)
        {
            throw new FormatException($"URI extension codec is '{codec}'; only '{CodecName}' is known.");
        }

        var k = Integer(fields, "needed_shares");
        var n = Integer(fields, "total_shares");
        var size = Integer(fields, "size");
        var segmentSize = Integer(fields, "segment_size");
        if (k is < 1 or > 256 || n is < 1 or > 256 || k > n || segmentSize is < 1 or > int.MaxValue)
        {
            throw new FormatException($"URI extension parameters k={k}, n={n}, segment_size={segmentSize} are out of range.");
        }

        ChkParameters parameters;
        try
        {
            parameters = ChkParameters.FromEffectiveSegmentSize(size, (int)k, (int)n, (int)segmentSize);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"URI extension parameters are inconsistent: {e.Message}", e);
        }

        Expect(fields, "num_segments", parameters.SegmentCount.ToString(CultureInfo.InvariantCulture));
        Expect(fields, "codec_params", $"{parameters.SegmentSize}-{k}-{n}");
        Expect(fields, "tail_codec_params", $"{parameters.PaddedTailSize}-{k}-{n}");
        return new UriExtension(parameters, Hash(fields, "crypttext_hash"), Hash(fields, "crypttext_root_hash"), Hash(fields, "share_root_hash"));
    }

    private List<(string Key, byte[] Value)> Fields()
    {
        var p = Parameters;
        static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);
        static byte[] Dec(long v) => Ascii(v.ToString(CultureInfo.InvariantCulture));
        return
        [
            ("codec_name", Ascii(CodecName)),
            ("codec_params", Ascii(string.Create(CultureInfo.InvariantCulture, $"{p.SegmentSize}-{p.K}-{p.N}"))),
            ("crypttext_hash", CrypttextHash),
            ("crypttext_root_hash", CrypttextRootHash),
            ("needed_shares", Dec(p.K)),
            ("num_segments", Dec(p.SegmentCount)),
            ("segment_size", Dec(p.SegmentSize)),
            ("share_root_hash", ShareRootHash),
            ("size", Dec(p.Size)),
            ("tail_codec_params", Ascii(string.Create(CultureInfo.InvariantCulture, $"{p.PaddedTailSize}-{p.K}-{p.N}"))),
            ("total_shares", Dec(p.N)),
        ];
    }

    private static byte[] Required(Dictionary<string, byte[]> fields, string key) =>
        fields.TryGetValue(key, out var value) ? value : throw new FormatException($"URI extension block has no '{key}'.");

    private static string Text(Dictionary<string, byte[]> fields, string key) => Encoding.ASCII.GetString(Required(fields, key));

    private static long Integer(Dictionary<string, byte[]> fields, string key)
    {
        var text = Text(fields, key);
        if (text.Length is 0 or > 18 || (text.Length > 1 && text[0] == '0') || !text.All(char.IsAsciiDigit))
        {
            throw new FormatException($"URI extension '{key}' is '{text}', not a decimal number.");
        }

        return long.Parse(text, CultureInfo.InvariantCulture);
    }

    private static byte[] Hash(Dictionary<string, byte[]> fields, string key)
    {
        var value = Required(fields, key);
        return value.Length == Sha256d.HashSize
            ? value
            : throw new FormatException($"URI extension '{key}' is {value.Length} bytes, not {Sha256d.HashSize}.");
    }

    private static void Expect(Dictionary<string, byte[]> fields, string key, string expected)
    {
        var actual = Text(fields, key);
        if (actual != expected)
        {
            throw new FormatException($"URI extension '{key}' is '{actual}' but the other fields imply '{expected}'.");
        }
    }

    private static void RequireHash(byte[] hash, string name)
    {
        if (hash.Length != Sha256d.HashSize)
        {
            throw new ArgumentException($"{name} must be {Sha256d.HashSize} bytes.", name);
        }
    }
}
