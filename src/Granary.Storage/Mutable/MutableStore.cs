using System.Globalization;
using System.Security.Cryptography;
using Granary.Core.Caps;
using Granary.Core.Protocol;
using Granary.Storage.Leases;
using Granary.Storage.Shares;

namespace Granary.Storage.Mutable;

/// <summary>What one request asks of one share of a slot: tests that must all pass, then writes and a new length.</summary>
internal sealed record SlotChange(IReadOnlyList<TestVector> Tests, IReadOnlyList<SlotWrite> Writes, long? NewLength)
{
    public static SlotChange From(TestWriteVectors vectors) =>
        new(vectors.Test, [.. vectors.Write.Select(w => new SlotWrite(w.Offset, w.Data))], vectors.NewLength);
}

/// <summary>Bytes to write at an offset of a mutable share.</summary>
internal readonly record struct SlotWrite(long Offset, ReadOnlyMemory<byte> Data);

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
/// write happens. A slot's operations are serialized.
/// </summary>
/// <remarks>
/// Only the bytes a request names are read or written: tests and read vectors read their ranges,
/// writes go in place at their offsets, so a small change to a large MDMF share costs what it
/// changes, not the share. A read-test-write is flushed to disk before its answer; a raw range
/// write (the bulk of a publish) only starts writeback, and the publish's closing read-test-write,
/// which flushes the whole share file, makes it durable. A crash in the middle of a write can leave
/// a share half old and half new; readers detect that through the share's signature and hashes, as
/// they would any corruption, and the writer's next publish replaces it.
/// </remarks>
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
        IReadOnlyDictionary<int, SlotChange> vectors,
        IReadOnlyList<ReadVector> readVector,
        byte[] writeEnabler,
        byte[] renewSecret,
        byte[] cancelSecret,
        CancellationToken cancellationToken,
        bool durable = true)
    {
        var gate = _locks[(uint)index.GetHashCode() % _locks.Length];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var slot = layout.Slot(index);
            var enablerFile = Path.Combine(slot, StoreLayout.WriteEnablerFileName);
            var enablerHash = SHA256.HashData(writeEnabler);
            if (File.Exists(enablerFile) && !CryptographicOperations.FixedTimeEquals(Convert.FromHexString(File.ReadAllText(enablerFile).Trim()), enablerHash))
            {
                return (ReadTestWriteStatus.WrongWriteEnabler, null);
            }

            var existing = StoreLayout.ShareNumbersIn(slot);
            var lengths = existing.ToDictionary(share => share, share => new FileInfo(layout.SlotShare(index, share)).Length);

            // The read vector sees every share as it was before this request's writes.
            var data = new Dictionary<string, IReadOnlyList<byte[]>>();
            foreach (var share in existing)
            {
                data[share.ToString(CultureInfo.InvariantCulture)] = [.. readVector.Select(r => ReadRange(index, share, r.Offset, r.Size))];
            }

            foreach (var (share, vector) in vectors)
            {
                foreach (var test in vector.Tests)
                {
                    // Equality of the bytes there (fewer past the end, none for a missing share) with the
                    // specimen: (0, 1, "") means "the share must not exist or be empty", as in Tahoe.
                    var found = lengths.ContainsKey(share) ? ReadRange(index, share, test.Offset, Math.Min(test.Size, test.Specimen.Length + 1L)) : [];
                    if (!found.AsSpan().SequenceEqual(test.Specimen))
                    {
                        return (ReadTestWriteStatus.Done, new ReadTestWriteResult(false, data));
                    }
                }
            }

            var changes = new Dictionary<int, long>();
            foreach (var (share, vector) in vectors)
            {
                if (vector.Writes.Count == 0 && vector.NewLength is null)
                {
                    continue;
                }

                var length = lengths.GetValueOrDefault(share);
                foreach (var write in vector.Writes)
                {
                    length = Math.Max(length, write.Offset + write.Data.Length);
                }

                length = vector.NewLength ?? length;
                if (length > options.MaximumMutableShareSize)
                {
                    return (ReadTestWriteStatus.TooLarge, null);
                }

                changes[share] = length;
            }

            var growth = changes.Sum(c => c.Value - lengths.GetValueOrDefault(c.Key));
            if (!space.TryResize(growth))
            {
                return (ReadTestWriteStatus.NoSpace, null);
            }

            if (changes.Count > 0 || existing.Count > 0)
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

            foreach (var (share, length) in changes)
            {
                var path = layout.SlotShare(index, share);
                if (length == 0)
                {
                    File.Delete(path); // a new length of zero deletes the share, as in Tahoe
                    continue;
                }

                using var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
                foreach (var write in vectors[share].Writes)
                {
                    var end = Math.Min(write.Offset + write.Data.Length, length);
                    if (end > write.Offset)
                    {
                        await RandomAccess.WriteAsync(handle, write.Data[..(int)(end - write.Offset)], write.Offset, cancellationToken).ConfigureAwait(false);
                        if (!durable)
                        {
                            Writeback.Start(handle, write.Offset, (int)(end - write.Offset));
                        }
                    }
                }

                // Past the old end and before a write, a share reads as zeros (a hole), as the protocol says.
                if (RandomAccess.GetLength(handle) != length)
                {
                    RandomAccess.SetLength(handle, length);
                }

                if (durable)
                {
                    RandomAccess.FlushToDisk(handle);
                }
            }

            if (changes.Keys.Any(share => !lengths.ContainsKey(share) || changes[share] == 0))
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

    /// <summary>Up to <paramref name="size"/> bytes of a share from <paramref name="offset"/>: fewer at the end, none past it.</summary>
    private byte[] ReadRange(StorageIndex index, int share, long offset, long size)
    {
        using var handle = File.OpenHandle(layout.SlotShare(index, share), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = RandomAccess.GetLength(handle);
        if (offset >= length || size <= 0)
        {
            return [];
        }

        var bytes = new byte[(int)Math.Min(size, length - offset)];
        var done = 0;
        while (done < bytes.Length)
        {
            var read = RandomAccess.Read(handle, bytes.AsSpan(done), offset + done);
            if (read == 0)
            {
                return bytes[..done];
            }

            done += read;
        }

        return bytes;
    }
}
