using Granary.Core.Caps;
using Granary.Core.Chk;

namespace Granary.Core.Mutable;

/// <summary>
/// Reads a mutable file from whole shares already fetched (mutable-dirnode §13–§14): groups them by
/// version, tries versions best first, and decodes the first one with k distinct shares that pass
/// every check. Bad shares are reported, not fatal.
/// </summary>
/// <remarks>
/// This is the in-memory path (small files, directories, tests, checkers). A client reading a large
/// MDMF file segment by segment uses the same parts directly: <see cref="MutableVersion.TryParse"/> on
/// the first bytes of each share, a <see cref="MutableVersionMap{TServer}"/>,
/// <see cref="MutableShareValidation"/> per fetched field and <see cref="MutableDecoder.DecodeSegment"/>.
/// </remarks>
public static class MutableFileReader
{
    /// <summary>
    /// The best readable version and bytes <c>[offset, offset + count)</c> of it. Throws
    /// <see cref="NotEnoughSharesException"/> when no version has k good shares.
    /// </summary>
    public static MutableReadResult Read(MutableReadCap cap, IEnumerable<(int ShareNumber, ReadOnlyMemory<byte> Bytes)> shares, long offset = 0, long count = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(cap);
        ArgumentNullException.ThrowIfNull(shares);
        var problems = new List<string>();
        var parsed = new List<MutableShare>();
        var map = new MutableVersionMap<int>();
        foreach (var (number, bytes) in shares)
        {
            try
            {
                var share = MutableShare.Parse(number, bytes);
                parsed.Add(share);
                map.Add(parsed.Count - 1, number, share.Version);
            }
            catch (MutableShareFormatException e)
            {
                problems.Add(e.Message);
            }
        }

        foreach (var version in map.RecoverableVersions)
        {
            var good = new List<MutableShare>();
            var numbers = new HashSet<int>();
            foreach (var (index, number) in map.SharesOf(version))
            {
                if (numbers.Contains(number))
                {
                    continue;
                }

                try
                {
                    parsed[index].Validate(cap.Fingerprint);
                    good.Add(parsed[index]);
                    numbers.Add(number);
                }
                catch (CorruptShareException e)
                {
                    problems.Add(e.Message);
                }
            }

            if (good.Count >= version.Parameters.K)
            {
                var data = new MutableDecoder(version, cap.ReadKey).DecodeRange(good, offset, count);
                return new MutableReadResult(version, data, problems);
            }
        }

        throw new NotEnoughSharesException(problems.Count == 0
            ? "No version of the file has enough shares."
            : $"No version of the file has enough good shares: {string.Join(" ", problems)}");
    }
}
