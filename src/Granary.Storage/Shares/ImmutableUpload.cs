using System.Security.Cryptography;
using Granary.Core.Caps;
using Granary.Core.Files;
using Microsoft.Win32.SafeHandles;

namespace Granary.Storage.Shares;

/// <summary>One share being uploaded: its file under <c>incoming/</c>, what has been written, and who may write.</summary>
/// <remarks>
/// Several upload secrets may hold one upload (docs/storage-protocol.md §4): a client that allocates
/// a share another secret is uploading, with the same size, joins it. That is safe because the
/// storage index is a hash of the file's key and a share is a function of the key and the encoding,
/// so two uploads of one storage index and size carry the same bytes; write-once refuses any other.
/// </remarks>
internal sealed class ImmutableUpload(StorageIndex index, int share, string path, long size, byte[] secretHash, DateTimeOffset started, bool directWrites)
    : IDisposable
{
    /// <summary>Upload secrets one upload keeps at most; a joiner beyond this replaces the one idle longest.</summary>
    public const int MaxWriters = 8;

    private readonly List<(byte[] SecretHash, DateTimeOffset LastSeen)> _writers = [(secretHash, started)];

    /// <summary>Kept open from allocation to completion: one open per upload, not per write.</summary>
    public SafeFileHandle Handle { get; } = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);

    // Opened after Handle has created the file.
    private readonly DirectWrites? _direct = directWrites ? DirectWrites.TryOpen(path) : null;

    public StorageIndex Index { get; } = index;

    public int Share { get; } = share;

    public string Path { get; } = path;

    public long Size { get; } = size;

    public ByteRanges Written { get; } = new();

    /// <summary>Serializes writes, joins and aborts of this share; different shares run in parallel.</summary>
    public SemaphoreSlim Lock { get; } = new(1, 1);

    public DateTimeOffset LastActivity { get; set; } = started;

    /// <summary>Set once the share is complete or dropped; later operations find it gone.</summary>
    public bool Closed { get; set; }

    /// <summary>Whether the SHA-256 <paramref name="secretHash"/> of an upload secret may write this share.</summary>
    public bool Admits(byte[] secretHash)
    {
        lock (_writers)
        {
            return IndexOf(secretHash) >= 0;
        }
    }

    /// <summary>Lets another upload secret write this share too (or notes a retry by one that already may).</summary>
    public void Join(byte[] secretHash, DateTimeOffset now)
    {
        lock (_writers)
        {
            var at = IndexOf(secretHash);
            if (at >= 0)
            {
                _writers[at] = (secretHash, now);
                return;
            }

            if (_writers.Count == MaxWriters)
            {
                var oldest = 0;
                for (var i = 1; i < _writers.Count; i++)
                {
                    if (_writers[i].LastSeen < _writers[oldest].LastSeen)
                    {
                        oldest = i;
                    }
                }

                _writers.RemoveAt(oldest);
            }

            _writers.Add((secretHash, now));
        }
    }

    /// <summary>Notes a write by <paramref name="secretHash"/>.</summary>
    public void Touch(byte[] secretHash, DateTimeOffset now)
    {
        LastActivity = now;
        lock (_writers)
        {
            var at = IndexOf(secretHash);
            if (at >= 0)
            {
                _writers[at] = (secretHash, now);
            }
        }
    }

    /// <summary>Withdraws one upload secret; returns how many still hold the upload.</summary>
    public int Withdraw(byte[] secretHash)
    {
        lock (_writers)
        {
            var at = IndexOf(secretHash);
            if (at >= 0)
            {
                _writers.RemoveAt(at);
            }

            return _writers.Count;
        }
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> (its whole pages directly when the upload can).</summary>
    public void Write(ReadOnlySpan<byte> data, long offset)
    {
        if (_direct is null)
        {
            RandomAccess.Write(Handle, data, offset);
        }
        else
        {
            _direct.Write(Handle, data, offset);
        }
    }

    public void Dispose()
    {
        _direct?.Dispose();
        Handle.Dispose();
    }

    // Callers hold the lock on _writers.
    private int IndexOf(byte[] secretHash)
    {
        for (var i = 0; i < _writers.Count; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(_writers[i].SecretHash, secretHash))
            {
                return i;
            }
        }

        return -1;
    }
}
