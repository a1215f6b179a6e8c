using System.Text.Json.Nodes;
using Granary.Client.Nodes;
using Granary.Core.Caps;

namespace Granary.Gateway.Wapi;

/// <summary>
/// Tahoe's deep-stats over a walk (its <c>deep_stats.py</c>): counts and sizes by kind, the largest
/// directory and file, and a histogram of file sizes in buckets of two per decade
/// ([0,0], [1,3], [4,10], [11,31], [32,100], …).
/// </summary>
internal sealed class DeepStats
{
    private static readonly double Root = Math.Sqrt(10);
    private readonly SortedDictionary<long, (long Max, long Count)> _histogram = [];
    private readonly List<(long Min, long Max)> _buckets = [(0, 0), (1, 3)];

    public long ImmutableFiles { get; private set; }

    public long MutableFiles { get; private set; }

    public long LiteralFiles { get; private set; }

    public long Directories { get; private set; }

    public long Unknown { get; private set; }

    public long ImmutableBytes { get; private set; }

    public long LiteralBytes { get; private set; }

    public long DirectoryBytes { get; private set; }

    public long LargestDirectory { get; private set; }

    public long LargestDirectoryChildren { get; private set; }

    public long LargestImmutableFile { get; private set; }

    public void Add(DeepEntry entry)
    {
        switch (entry.Node)
        {
            case DirectoryNode:
                Directories++;
                DirectoryBytes += entry.DirectorySize ?? 0;
                LargestDirectory = Math.Max(LargestDirectory, entry.DirectorySize ?? 0);
                LargestDirectoryChildren = Math.Max(LargestDirectoryChildren, entry.Contents?.Count ?? 0);
                break;
            case ImmutableFileNode { Cap: var chk }:
                ImmutableFiles++;
                ImmutableBytes += chk.Size;
                LargestImmutableFile = Math.Max(LargestImmutableFile, chk.Size);
                Count(chk.Size);
                break;
            case LiteralFileNode { Cap: LiteralCap literal }:
                LiteralFiles++;
                LiteralBytes += literal.Data.Length;
                Count(literal.Data.Length);
                break;
            case MutableFileNode:
                MutableFiles++;
                break;
            default:
                Unknown++;
                break;
        }
    }

    public JsonObject ToJson() => new()
    {
        ["count-immutable-files"] = ImmutableFiles,
        ["count-mutable-files"] = MutableFiles,
        ["count-literal-files"] = LiteralFiles,
        ["count-files"] = ImmutableFiles + MutableFiles + LiteralFiles,
        ["count-directories"] = Directories,
        ["count-unknown"] = Unknown,
        ["size-immutable-files"] = ImmutableBytes,
        ["size-literal-files"] = LiteralBytes,
        ["size-directories"] = DirectoryBytes,
        ["largest-directory"] = LargestDirectory,
        ["largest-directory-children"] = LargestDirectoryChildren,
        ["largest-immutable-file"] = LargestImmutableFile,
        ["size-files-histogram"] = new JsonArray([.. _histogram.Select(b => (JsonNode)new JsonArray(b.Key, b.Value.Max, b.Value.Count))]),
        ["api-version"] = 1,
    };

    /// <summary>All file sizes, as <c>t=start-deep-size</c> reports them.</summary>
    public long TotalSize => ImmutableBytes + LiteralBytes + DirectoryBytes;

    private void Count(long size)
    {
        var (min, max) = Bucket(size);
        _histogram[min] = (max, _histogram.TryGetValue(min, out var current) ? current.Count + 1 : 1);
    }

    private (long Min, long Max) Bucket(long size)
    {
        for (var i = 0; ; i++)
        {
            if (i >= _buckets.Count)
            {
                var lower = _buckets[i - 1].Max + 1;
                _buckets.Add((lower, NextPowerOf(lower)));
            }

            if (_buckets[i].Min <= size && size <= _buckets[i].Max)
            {
                return _buckets[i];
            }
        }
    }

    // Tahoe's mathutil.next_power_of_k: the first power of √10 not below n, truncated to an integer.
    private static long NextPowerOf(long n)
    {
        var x = (int)(Math.Log(n, Root) + 0.5);
        return (long)(Math.Pow(Root, x) < n ? Math.Pow(Root, x + 1) : Math.Pow(Root, x));
    }
}
