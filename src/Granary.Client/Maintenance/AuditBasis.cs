using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Hashing;

namespace Granary.Client.Maintenance;

/// <summary>
/// What an auditor needs to judge answers about one file's shares: the verify cap and its URI
/// extension block (checked against the cap). Nothing in it reads or decrypts the file.
/// </summary>
public sealed class AuditBasis
{
    private const int ProofOverhead = 5 + (ShareProof.MaxBlocks * 23 * (4 + Sha256d.HashSize)) + (9 * ShareHeader.ShareHashEntrySize);

    private AuditBasis(ChkVerifyCap cap, byte[] extension, UriExtension parsed)
    {
        Cap = cap;
        Extension = extension;
        UriExtension = parsed;
    }

    public ChkVerifyCap Cap { get; }

    /// <summary>The URI extension block's bytes exactly as stored (what a hub persists to rebuild the basis).</summary>
    public ReadOnlyMemory<byte> Extension { get; }

    /// <summary>The parsed <see cref="Extension"/>: the encoding parameters and the share root hash proofs lead to.</summary>
    public UriExtension UriExtension { get; }

    public int SegmentCount => UriExtension.Parameters.SegmentCount;

    /// <summary>
    /// A basis from <paramref name="extension"/> if it hashes to the cap's URI extension hash, parses,
    /// and records the cap's k, n and size; otherwise false and why.
    /// </summary>
    public static bool TryCreate(ChkVerifyCap cap, ReadOnlyMemory<byte> extension, out AuditBasis? basis, out string? error)
    {
        ArgumentNullException.ThrowIfNull(cap);
        basis = null;
        if (!UriExtension.HashOf(extension.Span).AsSpan().SequenceEqual(cap.UriExtensionHash))
        {
            error = "the URI extension block does not match the hash in the verify cap";
            return false;
        }

        UriExtension parsed;
        try
        {
            parsed = UriExtension.Parse(extension.Span);
        }
        catch (FormatException e)
        {
            error = $"the URI extension block the cap vouches for is malformed ({e.Message})";
            return false;
        }

        var p = parsed.Parameters;
        if (p.K != cap.K || p.N != cap.N || p.Size != cap.Size)
        {
            error = $"the URI extension block says {p.K}-of-{p.N} and {p.Size} bytes; the cap says {cap.K}-of-{cap.N} and {cap.Size} bytes";
            return false;
        }

        basis = new AuditBasis(cap, extension.ToArray(), parsed);
        error = null;
        return true;
    }

    /// <summary>The most bytes an honest proof of <paramref name="blocks"/> blocks can take: bigger answers are refused unread.</summary>
    internal int MaxProofBytes(int blocks) => checked(ProofOverhead + (blocks * (8 + UriExtension.Parameters.BlockSize)));
}
