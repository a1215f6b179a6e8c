using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Mutable;

namespace Granary.Client.Mutable;

/// <summary>One good share of a mutable file on one server: its version and the first bytes read of it.</summary>
internal sealed record MutableShareLocation(StorageClient Server, int Share, MutableVersion Version, byte[] Prefix);

/// <summary>
/// What every server holds of one mutable file (mutable-dirnode §13): each share's version, with
/// its public key checked against the cap's fingerprint and its signature checked once per version.
/// </summary>
/// <remarks>
/// Every server is asked (Tahoe's MODE_CHECK): grids here are tens of servers, and a writer must see
/// every share to choose the next seqnum and to test what it overwrites. Each share costs one read
/// of its first <see cref="PrefixBytes"/> bytes, which hold the header, keys, signature and hash
/// chain of either layout (SDMF's private key, at the end of the share, is read only when a writer
/// needs it). A share that fails a check is "bad": reported to its server and left out. Servers that
/// do not answer are problems, not errors; a caller decides whether what was found is enough.
/// </remarks>
internal sealed class ServerMap
{
    public const int PrefixBytes = 4000;

    private ServerMap(MutableVersionMap<StorageClient> versions, Dictionary<(StorageClient, int), MutableShareLocation> locations, List<(StorageClient Server, int Share, string Reason)> bad, List<string> problems, IReadOnlyList<StorageClient> reachable)
    {
        Versions = versions;
        Locations = locations;
        Bad = bad;
        Problems = problems;
        Reachable = reachable;
    }

    public MutableVersionMap<StorageClient> Versions { get; }

    /// <summary>Every good share seen, by server and share number.</summary>
    public IReadOnlyDictionary<(StorageClient Server, int Share), MutableShareLocation> Locations { get; }

    /// <summary>Shares that failed a check, and why.</summary>
    public IReadOnlyList<(StorageClient Server, int Share, string Reason)> Bad { get; }

    /// <summary>Servers that did not answer, and why.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>The servers that answered, in this storage index's permuted order.</summary>
    public IReadOnlyList<StorageClient> Reachable { get; }

    public static async Task<ServerMap> UpdateAsync(GranaryClient client, StorageIndex index, byte[] fingerprint, CancellationToken cancellationToken)
    {
        var grid = client.Grid;
        var versions = new MutableVersionMap<StorageClient>();
        var locations = new Dictionary<(StorageClient, int), MutableShareLocation>();
        var bad = new List<(StorageClient, int, string)>();
        var problems = new List<string>();
        var reachable = new List<StorageClient>();
        var answers = await Task.WhenAll(grid.Servers.Select(server => ReadServerAsync(grid, server, index, cancellationToken))).ConfigureAwait(false);
        var verified = new Dictionary<MutableVersion, string?>();
        foreach (var (server, shares, problem) in answers)
        {
            if (problem is not null)
            {
                problems.Add($"node {server.Url.NodeId.ToString()[..8]}: {problem}");
                continue;
            }

            reachable.Add(server);
            foreach (var (share, prefix, readProblem) in shares)
            {
                if (readProblem is not null)
                {
                    bad.Add((server, share, readProblem));
                    continue;
                }

                var failure = Check(share, prefix, fingerprint, verified, out var version);
                if (failure is not null)
                {
                    bad.Add((server, share, failure));
                    await ReportAsync(grid, server, index, share, failure, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                versions.Add(server, share, version!);
                locations[(server, share)] = new MutableShareLocation(server, share, version!, prefix);
            }
        }

        var ordered = Selection.PermutedRing.Order(index, reachable, s => s.Url.NodeId).ToList();
        return new ServerMap(versions, locations, bad, problems, ordered);
    }

    /// <summary>The signing key, recovered from a share's encrypted private key (a writer needs it to publish).</summary>
    public async Task<SigningKey> RecoverSigningKeyAsync(GranaryClient client, MutableWriteCap cap, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (var location in Locations.Values.OrderByDescending(l => l.Version))
        {
            var o = location.Version.Offsets;
            var (start, end) = location.Version.Format == MutableFormat.Sdmf ? (o.EncryptedPrivateKey, o.EndOfShare) : (o.EncryptedPrivateKey, o.ShareHashChain);
            try
            {
                var encrypted = end <= location.Prefix.Length
                    ? location.Prefix.AsMemory((int)start, (int)(end - start)).ToArray()
                    : await ReadExactAsync(client.Grid, location.Server, cap.StorageIndex, location.Share, start, (int)(end - start), cancellationToken).ConfigureAwait(false);
                return MutableShareValidation.CheckPrivateKey(location.Share, cap, encrypted);
            }
            catch (Exception e) when (e is CorruptShareException or StorageException)
            {
                problems.Add((e as CorruptShareException)?.Reason ?? ((StorageException)e).Reason);
            }
        }

        throw new MutableException($"No share yields the file's private key, so it cannot be written{(problems.Count == 0 ? " (no share was found)" : ": " + string.Join("; ", problems.Take(4)))}.");
    }

    internal static async Task<byte[]> ReadExactAsync(StorageGrid grid, StorageClient server, StorageIndex index, int share, long offset, int length, CancellationToken cancellationToken)
    {
        var buffer = new byte[length];
        var read = await grid.WithDeadlineAsync(server, ct => server.ReadMutableAsync(index, share, offset, buffer, ct), cancellationToken).ConfigureAwait(false);
        return read == length ? buffer : throw new CorruptShareException(share, $"it ends before byte {offset + length}");
    }

    private static string? Check(int share, byte[] prefix, byte[] fingerprint, Dictionary<MutableVersion, string?> verified, out MutableVersion? version)
    {
        version = null;
        try
        {
            if (!MutableVersion.TryParse(prefix, out version))
            {
                return "it is shorter than a share header";
            }

            var o = version!.Offsets;
            if (o.VerificationKeyEnd > prefix.Length || o.Signature + Core.Mutable.SigningKey.SignatureSize > prefix.Length)
            {
                return "its keys and signature are not where its header says";
            }

            var key = MutableShareValidation.CheckVerifyingKey(share, prefix.AsSpan((int)o.VerificationKey, (int)(o.VerificationKeyEnd - o.VerificationKey)), fingerprint);
            if (!verified.TryGetValue(version, out var failure))
            {
                try
                {
                    MutableShareValidation.CheckSignature(share, version, key, prefix.AsSpan((int)o.Signature, Core.Mutable.SigningKey.SignatureSize));
                    failure = null;
                }
                catch (CorruptShareException e)
                {
                    failure = e.Reason;
                }

                verified[version] = failure;
            }

            return failure;
        }
        catch (CorruptShareException e)
        {
            return e.Reason;
        }
        catch (MutableShareFormatException e)
        {
            return $"its header is unreadable ({e.Message})";
        }
    }

    private static async Task<(StorageClient Server, List<(int Share, byte[] Prefix, string? Problem)> Shares, string? Problem)> ReadServerAsync(
        StorageGrid grid, StorageClient server, StorageIndex index, CancellationToken cancellationToken)
    {
        try
        {
            var numbers = await grid.WithDeadlineAsync(server, ct => server.ListMutableSharesAsync(index, ct), cancellationToken).ConfigureAwait(false);
            var shares = new List<(int, byte[], string?)>();
            foreach (var share in numbers)
            {
                var buffer = new byte[PrefixBytes];
                try
                {
                    var read = await grid.WithDeadlineAsync(server, ct => server.ReadMutableAsync(index, share, 0, buffer, ct), cancellationToken).ConfigureAwait(false);
                    shares.Add((share, buffer[..read], null));
                }
                catch (StorageException e)
                {
                    shares.Add((share, [], e.Reason));
                }
            }

            return (server, shares, null);
        }
        catch (StorageException e)
        {
            return (server, [], e.Reason);
        }
    }

    internal static async Task ReportAsync(StorageGrid grid, StorageClient server, StorageIndex index, int share, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await grid.WithDeadlineAsync(server, async ct =>
            {
                await server.ReportMutableCorruptionAsync(index, share, reason, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException)
        {
            // Advisory.
        }
    }
}
