using Granary.Core.Protocol;

namespace Granary.Storage.Shares;

/// <summary>The parts of a share written so far: sorted, disjoint, merged half-open ranges.</summary>
internal sealed class ByteRanges
{
    private readonly List<(long Begin, long End)> _ranges = [];

    public long Total
    {
        get
        {
            long total = 0;
            foreach (var (begin, end) in _ranges)
            {
                total += end - begin;
            }

            return total;
        }
    }

    public void Add(long begin, long end)
    {
        if (end <= begin)
        {
            return;
        }

        var merged = (Begin: begin, End: end);
        var kept = new List<(long, long)>(_ranges.Count + 1);
        foreach (var range in _ranges)
        {
            if (range.End < merged.Begin || range.Begin > merged.End)
            {
                kept.Add(range);
            }
            else
            {
                merged = (Math.Min(range.Begin, merged.Begin), Math.Max(range.End, merged.End));
            }
        }

        kept.Add(merged);
        kept.Sort();
        _ranges.Clear();
        _ranges.AddRange(kept);
    }

    /// <summary>The written parts of <c>[begin, end)</c>.</summary>
    public IEnumerable<(long Begin, long End)> Overlaps(long begin, long end)
    {
        foreach (var range in _ranges)
        {
            var from = Math.Max(begin, range.Begin);
            var to = Math.Min(end, range.End);
            if (from < to)
            {
                yield return (from, to);
            }
        }
    }

    /// <summary>The parts of <c>[0, size)</c> not written yet.</summary>
    public List<ByteRange> Missing(long size)
    {
        var missing = new List<ByteRange>();
        long at = 0;
        foreach (var (begin, end) in _ranges)
        {
            if (begin > at)
            {
                missing.Add(new ByteRange(at, Math.Min(begin, size)));
            }

            at = Math.Max(at, end);
        }

        if (at < size)
        {
            missing.Add(new ByteRange(at, size));
        }

        return missing;
    }
}
