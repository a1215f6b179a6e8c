namespace Granary.Core.Mutable;

/// <summary>A version encoded whole in memory: its signed parts and the N complete shares, share j at index j.</summary>
public sealed record MutableEncodedVersion(MutableSignedVersion Signed, IReadOnlyList<byte[]> Shares)
{
    public MutableVersion Version => Signed.Version;
}
