using System.Collections.Concurrent;
using System.Security.Cryptography;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Protocol;
using Granary.Storage.Leases;
using Microsoft.Extensions.Logging;

namespace Granary.Storage.Shares;

/// <summary>
/// Immutable shares: allocation, write-once ranged uploads, and the complete shares clients read.
/// </summary>
/// <remarks>
/// An upload is written under <c>incoming/</c> and becomes visible only when every byte of its
/// allocated size is written: then its file is flushed to disk and renamed into the bucket, and the
/// bucket directory flushed, so no crash can leave a partial share that looks complete. Incomplete
/// uploads do not survive a restart (they are deleted at start-up; the client allocates again).
/// Write-once: bytes already written may be written again only with the same value.
/// </remarks>
internal sealed class ImmutableStore(
    StoreLayout layout,
    SpaceAccounting space,
    LeaseStore leases,
    StorageNodeOptions options,
    TimeProvider time,
    ILogger<ImmutableStore> logger) : IDisposable
{
    private readonly ConcurrentDictionary<(StorageIndex Index, int Share), ImmutableUpload> _uploads = new();
    private readonly Lock _allocationLock = new();
    private readonly SemaphoreSlim _selfCheckGate = new(1, 1);
    private readonly ShareHandles _handles = new(time);

    /// <summary>Removes what an earlier run left half-written, and buckets left with no share, and counts the stored bytes.</summary>
    public (int Shares, long Bytes) Open()
    {
        var stale = Directory.Exists(layout.Incoming) ? Directory.EnumerateFiles(layout.Incoming, "*", SearchOption.AllDirectories).Count() : 0;
        if (Directory.Exists(layout.Incoming))
        {
            Directory.Delete(layout.Incoming, recursive: true);
        }

        Directory.CreateDirectory(layout.Incoming);
        if (stale > 0)
        {
            StorageLog.CleanedIncoming(logger, stale);
        }

        // An upload killed before its first share was complete leaves a bucket holding only the
        // lease its allocation added.
        var empty = 0;
        foreach (var index in StoreLayout.IndexesIn(layout.Shares).ToList())
        {
            var held = StoreLayout.ShareNumbersIn(layout.Bucket(index));
            if (held.Count == 0)
            {
                RemoveBucket(index);
                empty++;
                continue;
            }

            foreach (var marker in Directory.GetFiles(layout.Bucket(index), "*" + StoreLayout.CorruptMarkerSuffix))
            {
                if (!File.Exists(marker[..^StoreLayout.CorruptMarkerSuffix.Length]))
                {
                    File.Delete(marker);
                }
            }
        }

        if (empty > 0)
        {
            StorageLog.RemovedEmptyBuckets(logger, empty);
        }

        var (shares, bytes) = StoreLayout.Tally(layout.Shares, layout.Bucket);
        space.AddExisting(bytes);
        return (shares, bytes);
    }

    /// <summary>
    /// Makes room for shares of a bucket. A share another upload secret is uploading, with the same
    /// size, is joined: either secret may then write it (see <see cref="ImmutableUpload"/>). A share
    /// the node found corrupt is allocated afresh; the upload replaces it when complete.
    /// </summary>
    public AllocateResult Allocate(StorageIndex index, IReadOnlyList<int> shares, long size, byte[] uploadSecret, byte[] renewSecret, byte[] cancelSecret)
    {
        var secretHash = SHA256.HashData(uploadSecret);
        var now = time.GetUtcNow();
        var alreadyHave = new List<int>();
        var allocated = new List<int>();
        var joined = new List<int>();
        var refused = new List<int>();
        lock (_allocationLock)
        {
            foreach (var share in shares.Distinct().Order())
            {
                if (File.Exists(layout.Share(index, share)) && !File.Exists(layout.CorruptMarker(index, share)))
                {
                    alreadyHave.Add(share);
                }
                else if (_uploads.TryGetValue((index, share), out var upload))
                {
                    // The same share of the same file: join it, whoever started it. A different
                    // size cannot be the same share, so it is refused.
                    if (upload.Size == size && !upload.Closed)
                    {
                        if (!upload.Admits(secretHash))
                        {
                            joined.Add(share);
                        }

                        upload.Join(secretHash, now);
                        allocated.Add(share);
                    }
                    else
                    {
                        refused.Add(share);
                    }
                }
                else if (space.TryReserve(size))
                {
                    var path = layout.IncomingShare(index, share);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    _uploads[(index, share)] = new ImmutableUpload(index, share, path, size, secretHash, now, options.DirectWrites);
                    allocated.Add(share);
                }
                else
                {
                    refused.Add(share);
                }
            }

            // Under the lock, so that removing a bucket whose last upload went cannot race this lease.
            if (alreadyHave.Count + allocated.Count > 0 && !leases.AddOrRenew(LeasesFile(index), renewSecret, cancelSecret))
            {
                throw new LeaseLimitException();
            }
        }

        StorageLog.Allocated(logger, index.ToString(), string.Join(",", allocated), size, string.Join(",", alreadyHave), string.Join(",", refused));
        if (joined.Count > 0)
        {
            StorageLog.UploadJoined(logger, index.ToString(), string.Join(",", joined));
        }

        return new AllocateResult(alreadyHave, allocated);
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> of an upload, finishing the share when it is whole.</summary>
    public async Task<WriteOutcome> WriteAsync(StorageIndex index, int share, long offset, ReadOnlyMemory<byte> data, byte[] uploadSecret, CancellationToken cancellationToken)
    {
        if (!_uploads.TryGetValue((index, share), out var upload))
        {
            return CompareWithFinished(index, share, offset, data.Span);
        }

        var secretHash = SHA256.HashData(uploadSecret);
        if (!upload.Admits(secretHash))
        {
            return WriteOutcome.Of(WriteStatus.WrongSecret);
        }

        if (!Fits(offset, data.Length, upload.Size))
        {
            return WriteOutcome.Of(WriteStatus.OutOfRange);
        }

        await upload.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (upload.Closed)
            {
                return CompareWithFinished(index, share, offset, data.Span);
            }

            foreach (var (begin, end) in upload.Written.Overlaps(offset, offset + data.Length))
            {
                if (!SameBytes(upload.Handle, begin, data.Span.Slice((int)(begin - offset), (int)(end - begin))))
                {
                    StorageLog.WriteConflict(logger, index.ToString(), share, begin);
                    return WriteOutcome.Of(WriteStatus.Conflict);
                }
            }

            upload.Write(data.Span, offset);
            Writeback.Start(upload.Handle, offset, data.Length);
            upload.Written.Add(offset, offset + data.Length);
            upload.Touch(secretHash, time.GetUtcNow());
            if (upload.Written.Total < upload.Size)
            {
                return new WriteOutcome(WriteStatus.Partial, upload.Written.Missing(upload.Size));
            }

            RandomAccess.FlushToDisk(upload.Handle);

            Finish(upload);
            return WriteOutcome.Of(WriteStatus.Complete);
        }
        finally
        {
            upload.Lock.Release();
        }
    }

    /// <summary>
    /// Withdraws one upload secret from an upload in progress; the upload is dropped, and its space
    /// freed, when no secret holds it any more.
    /// </summary>
    public async Task<WriteStatus> AbortAsync(StorageIndex index, int share, byte[] uploadSecret, CancellationToken cancellationToken)
    {
        if (!_uploads.TryGetValue((index, share), out var upload))
        {
            return WriteStatus.NoUpload;
        }

        var secretHash = SHA256.HashData(uploadSecret);
        if (!upload.Admits(secretHash))
        {
            return WriteStatus.WrongSecret;
        }

        await upload.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (upload.Closed)
            {
                return WriteStatus.NoUpload;
            }

            lock (_allocationLock)
            {
                if (upload.Withdraw(secretHash) > 0)
                {
                    return WriteStatus.Complete;
                }

                Discard(upload);
            }

            StorageLog.UploadAborted(logger, index.ToString(), share);
            return WriteStatus.Complete;
        }
        finally
        {
            upload.Lock.Release();
        }
    }

    public List<int> List(StorageIndex index) => StoreLayout.ShareNumbersIn(layout.Bucket(index));

    /// <summary>The path of a complete share, or null.</summary>
    public string? SharePath(StorageIndex index, int share)
    {
        var path = layout.Share(index, share);
        return File.Exists(path) ? path : null;
    }

    /// <summary>A read handle of a complete share, kept open for the next reader too; null when the node holds no such share.</summary>
    public ShareHandles.Lease? OpenShare(StorageIndex index, int share)
    {
        if (SharePath(index, share) is not { } path)
        {
            return null;
        }

        try
        {
            return _handles.Rent(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null; // deleted since it was found
        }
    }

    public string LeasesFile(StorageIndex index) => Path.Combine(layout.Bucket(index), StoreLayout.LeasesFileName);

    /// <summary>Abandons uploads nobody has written to for the configured idle time; returns how many.</summary>
    public async Task<int> SweepIdleUploadsAsync(CancellationToken cancellationToken)
    {
        var limit = TimeSpan.FromMinutes(options.UploadIdleTimeoutMinutes);
        var now = time.GetUtcNow();
        var swept = 0;
        foreach (var upload in _uploads.Values)
        {
            if (now - upload.LastActivity < limit || !await upload.Lock.WaitAsync(0, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            try
            {
                if (!upload.Closed && now - upload.LastActivity >= limit)
                {
                    lock (_allocationLock)
                    {
                        Discard(upload);
                    }

                    StorageLog.UploadAbandoned(logger, upload.Index.ToString(), upload.Share, options.UploadIdleTimeoutMinutes);
                    swept++;
                }
            }
            finally
            {
                upload.Lock.Release();
            }
        }

        return swept;
    }

    /// <summary>Deletes a bucket's complete shares and leases (uploads in progress are left alone); returns the bytes freed.</summary>
    public long DeleteBucket(StorageIndex index)
    {
        long freed = 0;
        lock (_allocationLock)
        {
            foreach (var share in StoreLayout.ShareNumbersIn(layout.Bucket(index)))
            {
                var path = layout.Share(index, share);
                freed += new FileInfo(path).Length;
                File.Delete(path);
                _handles.Forget(path);
                File.Delete(layout.CorruptMarker(index, share));
            }

            RemoveBucket(index);
        }

        space.Free(freed);
        return freed;
    }

    /// <summary>
    /// Checks a share a client reports as corrupt, as far as the node can without the cap
    /// (<see cref="ShareVerifier.SelfCheckAsync"/>). If the node finds it corrupt too, it marks it so:
    /// the share stays readable, since its other blocks may still be what recovers the file, and an
    /// upload of the same share is allowed to replace it. A report alone never changes a share.
    /// Returns null when the node holds no such share.
    /// </summary>
    public async Task<ShareVerdict?> ConfirmCorruptionAsync(StorageIndex index, int share, IReadOnlyCollection<int>? segments, CancellationToken cancellationToken)
    {
        await _selfCheckGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var path = SharePath(index, share);
            if (path is null)
            {
                return null;
            }

            ShareVerdict verdict;
            using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete))
            {
                verdict = await ShareVerifier.SelfCheckAsync(
                    index, share, (offset, destination, ct) => RandomAccess.ReadAsync(handle, destination, offset, ct), segments, cancellationToken).ConfigureAwait(false);
            }

            if (!verdict.Intact)
            {
                lock (_allocationLock)
                {
                    if (File.Exists(path))
                    {
                        File.WriteAllText(layout.CorruptMarker(index, share), verdict.Summary + "\n");
                    }
                }

                StorageLog.CorruptionConfirmed(logger, index.ToString(), share, verdict.Summary);
            }

            return verdict;
        }
        finally
        {
            _selfCheckGate.Release();
        }
    }

    /// <summary>Closes the files of uploads still open when the node stops (they are dropped at the next start).</summary>
    public void Dispose()
    {
        foreach (var upload in _uploads.Values)
        {
            upload.Dispose();
        }

        _handles.Dispose();
    }

    private void Finish(ImmutableUpload upload)
    {
        var target = layout.Share(upload.Index, upload.Share);
        var bucket = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(bucket);
        upload.Dispose();
        var replaced = File.Exists(target) ? new FileInfo(target).Length : 0;
        File.Move(upload.Path, target, overwrite: true);
        _handles.Forget(target);
        File.Delete(layout.CorruptMarker(upload.Index, upload.Share));
        StoreLayout.SyncDirectory(bucket);
        space.Free(replaced);
        upload.Closed = true;
        lock (_allocationLock)
        {
            _uploads.TryRemove((upload.Index, upload.Share), out _);
            space.Commit(upload.Size);
            TryRemoveEmpty(Path.GetDirectoryName(upload.Path)!);
        }

        StorageLog.ShareCompleted(logger, upload.Index.ToString(), upload.Share, upload.Size);
    }

    // Callers hold the allocation lock, so no allocation can add a lease to a bucket being removed.
    private void Discard(ImmutableUpload upload)
    {
        upload.Closed = true;
        _uploads.TryRemove((upload.Index, upload.Share), out _);
        upload.Dispose();
        File.Delete(upload.Path);
        space.Cancel(upload.Size);
        TryRemoveEmpty(Path.GetDirectoryName(upload.Path)!);
        if (StoreLayout.ShareNumbersIn(layout.Bucket(upload.Index)).Count == 0 && !UploadsOf(upload.Index))
        {
            RemoveBucket(upload.Index);
        }
    }

    private bool UploadsOf(StorageIndex index) => _uploads.Keys.Any(key => key.Index.Equals(index));

    /// <summary>Removes a bucket directory with no share left: its leases file and markers, then the directory and an empty prefix directory.</summary>
    private void RemoveBucket(StorageIndex index)
    {
        var bucket = layout.Bucket(index);
        File.Delete(LeasesFile(index));
        foreach (var marker in Directory.Exists(bucket) ? Directory.GetFiles(bucket, "*" + StoreLayout.CorruptMarkerSuffix) : [])
        {
            File.Delete(marker);
        }

        TryRemoveEmpty(bucket);
        TryRemoveEmpty(Path.GetDirectoryName(bucket)!);
    }

    /// <summary>Whether <paramref name="length"/> bytes at <paramref name="offset"/> lie within <paramref name="size"/> bytes, without overflowing.</summary>
    private static bool Fits(long offset, long length, long size) => offset >= 0 && length >= 0 && length <= size && offset <= size - length;

    // A write to a share that is already whole succeeds only if it repeats the stored bytes (a
    // client retrying its last write after losing the answer).
    private WriteOutcome CompareWithFinished(StorageIndex index, int share, long offset, ReadOnlySpan<byte> data)
    {
        var path = layout.Share(index, share);
        if (!File.Exists(path))
        {
            return WriteOutcome.Of(WriteStatus.NoUpload);
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = RandomAccess.GetLength(handle);
        if (!Fits(offset, data.Length, length))
        {
            return WriteOutcome.Of(WriteStatus.OutOfRange);
        }

        return SameBytes(handle, offset, data) ? WriteOutcome.Of(WriteStatus.Complete) : WriteOutcome.Of(WriteStatus.Conflict);
    }

    private static bool SameBytes(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, ReadOnlySpan<byte> expected)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Min(expected.Length, 1 << 20));
        try
        {
            var done = 0;
            while (done < expected.Length)
            {
                var chunk = Math.Min(buffer.Length, expected.Length - done);
                var read = RandomAccess.Read(handle, buffer.AsSpan(0, chunk), offset + done);
                if (read != chunk || !buffer.AsSpan(0, chunk).SequenceEqual(expected.Slice(done, chunk)))
                {
                    return false;
                }

                done += chunk;
            }

            return true;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void TryRemoveEmpty(string directory)
    {
        try
        {
            if (Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }
        catch (IOException)
        {
            // Another request just put something there; leave it.
        }
    }
}

/// <summary>A bucket already carries <see cref="LeaseStore.MaxLeases"/> live leases.</summary>
internal sealed class LeaseLimitException() : Exception($"This bucket already carries {LeaseStore.MaxLeases} leases.");
