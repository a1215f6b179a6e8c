using System.Security.Cryptography;
using Granary.Core.Caps;
using Granary.Core.Identity;

namespace Granary.Client.Selection;

/// <summary>
/// Tahoe-LAFS's permuted ring: for each file, servers are ordered by <c>SHA-256(storage index ||
/// node id)</c>. Every client computes the same order for the same file, so uploaders and
/// downloaders look in the same places first, while different files spread over different servers.
/// </summary>
public static class PermutedRing
{
    public static List<T> Order<T>(StorageIndex index, IEnumerable<T> servers, Func<T, NodeId> idOf) =>
        [.. servers.OrderBy(server => Position(index, idOf(server)), ByteArrayComparer.Instance)];

    public static byte[] Position(StorageIndex index, NodeId node)
    {
        Span<byte> input = stackalloc byte[StorageIndex.Size + NodeId.Size];
        index.Bytes.CopyTo(input);
        node.Bytes.CopyTo(input[StorageIndex.Size..]);
        return SHA256.HashData(input);
    }

    private sealed class ByteArrayComparer : IComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
