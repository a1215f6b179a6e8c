using Microsoft.Win32.SafeHandles;

namespace Granary.Core.Files;

/// <summary>
/// A second descriptor of an upload's file, opened with <c>O_DIRECT</c> (<see cref="DirectIo"/>), through
/// which the whole pages of each write go straight to the device; the unaligned ends go through the
/// ordinary handle and the page cache. Linux keeps the two descriptors coherent (a direct write flushes
/// and drops any cached page it covers) and one fsync of the file flushes both.
/// </summary>
/// <remarks>
/// Where the file system refuses <c>O_DIRECT</c> (tmpfs) there is no such descriptor and the upload stays
/// buffered. A direct write that fails is written buffered and the upload stays buffered from then on, so
/// nothing is lost.
/// </remarks>
public sealed class DirectWrites : IDisposable
{
    private readonly int _descriptor;
    private bool _failed;

    private DirectWrites(int descriptor) => _descriptor = descriptor;

    /// <summary>Opens <paramref name="path"/> (already created) for direct writes; null where this system or file system has none.</summary>
    public static DirectWrites? TryOpen(string path) =>
        DirectIo.TryOpenForWriting(path) is var descriptor and >= 0 ? new DirectWrites(descriptor) : null;

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/>: the whole aligned pages directly, the rest
    /// (and everything, once a direct write has failed) through <paramref name="buffered"/>.
    /// </summary>
    public unsafe void Write(SafeFileHandle buffered, ReadOnlySpan<byte> data, long offset)
    {
        var start = DirectIo.RoundUp(offset);
        var end = DirectIo.RoundDown(offset + data.Length);
        if (_failed || end - start < DirectIo.Alignment)
        {
            RandomAccess.Write(buffered, data, offset);
            return;
        }

        RandomAccess.Write(buffered, data[..(int)(start - offset)], offset);
        var chunk = DirectIo.RentChunk();
        try
        {
            for (var at = start; at < end; at += DirectIo.ChunkBytes)
            {
                var length = (int)Math.Min(DirectIo.ChunkBytes, end - at);
                data.Slice((int)(at - offset), length).CopyTo(new Span<byte>((void*)chunk, length));
                if (!DirectIo.WriteFully(_descriptor, chunk, length, at))
                {
                    // Over whatever part of this chunk went through: the same bytes.
                    _failed = true;
                    RandomAccess.Write(buffered, data[(int)(at - offset)..(int)(end - offset)], at);
                    break;
                }
            }
        }
        finally
        {
            DirectIo.ReturnChunk(chunk);
        }

        RandomAccess.Write(buffered, data[(int)(end - offset)..], end);
    }

    public void Dispose() => DirectIo.Close(_descriptor);
}
