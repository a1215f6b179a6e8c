using System.Security.Cryptography;
using Granary.Core.Caps;
using Granary.Core.Mutable;
using Granary.Testing.Vectors;

namespace Granary.Core.Tests.Mutable;

/// <summary>Keys and share helpers shared by the mutable-share tests.</summary>
internal static class ShareTesting
{
    // Loading a vector key is fast; generating one is not. Tests sign with the sample's keys.
    private static readonly Lazy<SigningKey> FirstKey = new(() => SigningKey.FromPem(MutableSample.CapVectors[0].KeyPem));
    private static readonly Lazy<SigningKey> SecondKey = new(() => SigningKey.FromPem(MutableSample.CapVectors[1].KeyPem));

    public static SigningKey Key => FirstKey.Value;

    public static SigningKey OtherKey => SecondKey.Value;

    public static MutableWriteCap CapOf(SigningKey key, MutableFormat format) => MutableWriteCap.FromKey(key, format);

    public static SigningKey KeyOfVector(string cap) => SigningKey.FromPem(MutableSample.KeyFor(cap));

    /// <summary>SHA-256 of a share with its signature bytes zeroed (SDMF o_sig … o_chain, MDMF o_sig … o_vk), as the KATs record it.</summary>
    public static string SignatureZeroedSha256(byte[] share)
    {
        var version = MutableVersion.Parse(share);
        var copy = share.AsSpan(0, (int)version.Offsets.EndOfShare).ToArray();
        var end = version.Format == MutableFormat.Sdmf ? version.Offsets.ShareHashChain : version.Offsets.VerificationKey;
        copy.AsSpan((int)version.Offsets.Signature, (int)(end - version.Offsets.Signature)).Clear();
        return Hex.Of(SHA256.HashData(copy));
    }

    public static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    public static IReadOnlyList<byte[]> RandomSalts(Random random, MutableFormat format, long length, int k)
    {
        var parameters = MutableParameters.ForNewVersion(format, k, k, length);
        var count = format == MutableFormat.Sdmf ? 1 : parameters.SegmentCount;
        return [.. Enumerable.Range(0, count).Select(_ => RandomBytes(random, 16))];
    }

    public static List<MutableShare> Parse(IReadOnlyList<byte[]> shares) => [.. shares.Select((bytes, j) => MutableShare.Parse(j, bytes))];
}
