namespace Granary.Core.Mutable;

/// <summary>
/// What a servermap update found (mutable-dirnode §13): which server holds which share of which
/// version. It answers the two questions a client asks — which version to read (the best
/// recoverable one: highest seqnum, ties by the larger root hash) and which seqnum to publish next
/// (one more than the highest seen, recoverable or not).
/// </summary>
/// <typeparam name="TServer">However the client names a server.</typeparam>
public sealed class MutableVersionMap<TServer>
    where TServer : notnull
{
    private readonly Dictionary<MutableVersion, List<(TServer Server, int ShareNumber)>> _shares = [];

    /// <summary>Every version seen.</summary>
    public IReadOnlyCollection<MutableVersion> Versions => _shares.Keys;

    /// <summary>The highest seqnum of any version seen; 0 when none was.</summary>
    public ulong HighestSeqnum
    {
        get
        {
            ulong highest = 0;
            foreach (var version in _shares.Keys)
            {
                highest = Math.Max(highest, version.Seqnum);
            }

            return highest;
        }
    }

    /// <summary>The seqnum a new version must carry: one more than any seen (1 for a new file).</summary>
    public ulong NextSeqnum => checked(HighestSeqnum + 1);

    /// <summary>Versions with at least k distinct share numbers, best first.</summary>
    public IReadOnlyList<MutableVersion> RecoverableVersions
    {
        get
        {
            var result = new List<MutableVersion>();
            foreach (var version in _shares.Keys)
            {
                if (IsRecoverable(version))
                {
                    result.Add(version);
                }
            }

            result.Sort((a, b) => b.CompareTo(a));
            return result;
        }
    }

    /// <summary>The version to read, or null when none is recoverable.</summary>
    public MutableVersion? BestRecoverableVersion => RecoverableVersions is [var best, ..] ? best : null;

    /// <summary>Several recoverable versions share the best seqnum: two writers collided. Tahoe reads the best and ignores the rest.</summary>
    public bool NeedsMerge => RecoverableVersions is [var best, var next, ..] && best.Seqnum == next.Seqnum;

    /// <summary>
    /// Whether any unrecoverable version has a higher seqnum than the best recoverable one: a read
    /// should ask more servers before settling.
    /// </summary>
    public bool HasNewerUnrecoverableVersion
    {
        get
        {
            var best = BestRecoverableVersion;
            foreach (var version in _shares.Keys)
            {
                if (!IsRecoverable(version) && (best is null || version.Seqnum > best.Seqnum))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Records that <paramref name="server"/> holds share <paramref name="shareNumber"/> of <paramref name="version"/> (its signature checked).</summary>
    public void Add(TServer server, int shareNumber, MutableVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (!_shares.TryGetValue(version, out var holders))
        {
            holders = [];
            _shares[version] = holders;
        }

        if (!holders.Contains((server, shareNumber)))
        {
            holders.Add((server, shareNumber));
        }
    }

    /// <summary>Forgets a share that turned out bad.</summary>
    public bool Remove(TServer server, int shareNumber, MutableVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (!_shares.TryGetValue(version, out var holders) || !holders.Remove((server, shareNumber)))
        {
            return false;
        }

        if (holders.Count == 0)
        {
            _shares.Remove(version);
        }

        return true;
    }

    /// <summary>Where the shares of <paramref name="version"/> are, in the order they were added.</summary>
    public IReadOnlyList<(TServer Server, int ShareNumber)> SharesOf(MutableVersion version) =>
        _shares.TryGetValue(version, out var holders) ? holders : [];

    /// <summary>Distinct share numbers of <paramref name="version"/> seen anywhere.</summary>
    public int DistinctShareCount(MutableVersion version)
    {
        if (!_shares.TryGetValue(version, out var holders))
        {
            return 0;
        }

        var numbers = new HashSet<int>();
        foreach (var (_, number) in holders)
        {
            numbers.Add(number);
        }

        return numbers.Count;
    }

    public bool IsRecoverable(MutableVersion version) => DistinctShareCount(version) >= version.Parameters.K;
}
