using System.Globalization;
using System.Security.Cryptography;
using Granary.Core.Caps;
using Granary.Core.Protocol;
using Granary.Storage.Leases;
using Granary.Storage.Shares;

namespace Granary.Storage.Mutable;

/// <summary>What a read-test-write came to.</summary>
internal enum ReadTestWriteStatus
{
    Done,
    WrongWriteEnabler,
    TooLarge,
    NoSpace,
    TooManyLeases,
}

/// <summary>
/// Mutable slots: shares that a holder of the slot's write enabler may change with
/// read-test-write, Tahoe-LAFS's compare-and-swap. The first write to a slot fixes its write
/// enabler (kept as a SHA-256 hash); tests compare bytes; if every test of every share passes, every
/// write happens. A slot's operations are serialized, and each share is replaced atomically.
/// </summary>
internal sealed class MutableStore(StoreLayout layout, SpaceAccounting space, LeaseStore leases, StorageNodeOptions options)
{
    private readonly SemaphoreSlim[] _locks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public (int Shares, long Bytes) Open()
    {
        var (shares, bytes) = StoreLayout.Tally(layout.Mutable, layout.Slot);
        space.AddExisting(bytes);
        return (shares, bytes);
    }

    public async Task<(ReadTestWriteStatus Status, ReadTestWriteResult? Result)> ReadTestWriteAsync(
        StorageIndex index,
        IReadOnlyDictionary<int, TestWriteVectors> vectors,
        IReadOnlyList<ReadVector> readVector,
        byte[] writeEnabler,
        byte[] renewSecret,
        byte[] cancelSecret,
        CancellationToken cancellationToken)
    {
        var gate = _locks[(uint)index.GetHashCode() % _locks.Length];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var slot = layout.Slot(index);
            var enablerFile = Path.Combine(slot, StoreLayout.WriteEnablerFileName);
            var existing = StoreLayout.ShareNumbersIn(slot);
            var enablerHash = SHA256.HashData(writeEnabler);
            if (File.Exists(enablerFile) && !CryptographicOperations.FixedTimeEquals(Convert.FromHexString(File.ReadAllText(enablerFile).Trim()), enablerHash))
            {
                return (ReadTestWriteStatus.WrongWriteEnabler, null);
            }

            var current = new Dictionary<int, byte[]>();
            foreach (var share in existing)
            {
                current[share] = await File.ReadAllBytesAsync(layout.SlotShare(index, share), cancellationToken).ConfigureAwait(false);
            }

            // The read vector sees every share as it was before this request's writes.
            var data = existing.ToDictionary(
                share => share.ToString(CultureInfo.InvariantCulture),
                share => (IReadOnlyList<byte[]>)readVector.Select(r => Slice(current[share], r.Offset, r.Size)).ToList());

            var success = vectors.All(v => v.Value.Test.All(t => Slice(current.GetValueOrDefault(v.Key, []), t.Offset, t.Size).AsSpan().SequenceEqual(t.Specimen)));
            if (!success)
            {
                return (ReadTestWriteStatus.Done, new ReadTestWriteResult(false, data));
            }

            var updated = new Dictionary<int, byte[]>();
            foreach (var (share, vector) in vectors)
            {
                if (vector.Write.Count == 0 && vector.NewLength is null)
                {
                    continue;
                }

                var before = current.GetValueOrDefault(share, []);
                var length = vector.Write.Aggregate((long)before.Length, (n, w) => Math.Max(n, w.Offset + w.Data.Length));
                length = vector.NewLength ?? length;
                if (length > options.MaximumMutableShareSize)
                {
                    return (ReadTestWriteStatus.TooLarge, null);
                }

                var after = new byte[length];
                before.AsSpan(0, (int)Math.Min(before.Length, length)).CopyTo(after);
                foreach (var write in vector.Write)
                {
                    var end = Math.Min(write.Offset + write.Data.Length, length);
                    if (end > write.Offset)
                    {
                        write.Data.AsSpan(0, (int)(end - write.Offset)).CopyTo(after.AsSpan((int)write.Offset));
                    }
                }

                updated[share] = after;
            }

            var growth = updated.Sum(u => (long)u.Value.Length - current.GetValueOrDefault(u.Key, []).Length);
            if (!space.TryResize(growth))
            {
                return (ReadTestWriteStatus.NoSpace, null);
            }

            if (updated.Count > 0 || existing.Count > 0)
            {
                Directory.CreateDirectory(slot);
                if (!File.Exists(enablerFile))
                {
                    File.WriteAllText(enablerFile, Convert.ToHexStringLower(enablerHash) + "\n");
                }

                if (!leases.AddOrRenew(Path.Combine(slot, StoreLayout.LeasesFileName), renewSecret, cancelSecret))
                {
                    space.TryResize(-growth);
                    return (ReadTestWriteStatus.TooManyLeases, null);
                }
            }

            foreach (var (share, bytes) in updated)
            {
                var path = layout.SlotShare(index, share);
                if (bytes.Length == 0)
                {
                    File.Delete(path); // a new length of zero deletes the share, as in Tahoe
                    continue;
                }

                var temporary = path + ".tmp";
                using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                    stream.Flush(flushToDisk: true);
                }

                File.Move(temporary, path, overwrite: true);
            }

            if (updated.Count > 0)
            {
                StoreLayout.SyncDirectory(slot);
            }

            return (ReadTestWriteStatus.Done, new ReadTestWriteResult(true, data));
        }
        finally
        {
            gate.Release();
        }
    }

    public List<int> List(StorageIndex index) => StoreLayout.ShareNumbersIn(layout.Slot(index));

    public string? SharePath(StorageIndex index, int share)
    {
        var path = layout.SlotShare(index, share);
        return File.Exists(path) ? path : null;
    }

    public string LeasesFile(StorageIndex index) => Path.Combine(layout.Slot(index), StoreLayout.LeasesFileName);

    /// <summary>Deletes a slot with its shares, write enabler and leases; returns the bytes freed.</summary>
    public long DeleteSlot(StorageIndex index)
    {
        var slot = layout.Slot(index);
        long freed = 0;
        foreach (var share in StoreLayout.ShareNumbersIn(slot))
        {
            freed += new FileInfo(layout.SlotShare(index, share)).Length;
        }

        if (Directory.Exists(slot))
        {
            Directory.Delete(slot, recursive: true);
        }

        space.Free(freed);
        return freed;
    }

    private static byte[] Slice(byte[] data, long offset, long size)
    {
        if (offset >= data.Length || size <= 0)
        {
            return [];
        }

        return data.AsSpan((int)offset, (int)Math.Min(size, data.Length - offset)).ToArray();
    }
}
