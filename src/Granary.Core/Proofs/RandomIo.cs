using System.Security.Cryptography;
using System.Text;
using Granary.Core.Crypto;

namespace Granary.Core.Proofs;

/// <summary>
/// RandomIO 0.2.1's seeded stream, which makes downstream test chunks and dataserv height shards:
/// the AES-256-CTR keystream under <c>SHA256(seed)</c> with a 128-bit big-endian counter that
/// starts at one and no nonce (proofs-of-storage §4.2). Anyone with the seed regenerates the same
/// bytes, so the data never has to travel.
/// </summary>
public sealed class RandomIo : IDisposable
{
    /// <summary>The keystream of counter one is byte 0 of the stream, byte 16 of a counter-from-zero stream.</summary>
    private const int CounterOneOffset = 16;

    /// <summary>Bytes generated and written at a time by <see cref="WriteAsync"/>: small enough to stay in cache between the two.</summary>
    public const int WritePiece = 1 << 20;

    private readonly AesCtr _aes;

    /// <summary>A text seed, UTF-8 encoded before hashing (what the node and dataserv-client pass).</summary>
    public RandomIo(string seed)
        : this(Encoding.UTF8.GetBytes(seed))
    {
    }

    /// <summary>A byte seed, hashed as it is.</summary>
    public RandomIo(ReadOnlySpan<byte> seed)
        : this(seed, AesNiKeystream.IsSupported)
    {
    }

    internal RandomIo(ReadOnlySpan<byte> seed, bool useAesNi) => _aes = new AesCtr(Key(seed), useAesNi);

    /// <summary>Which AES implementation makes the bytes ("aes-ni" or "platform").</summary>
    public string Implementation => _aes.Implementation;

    /// <summary>The AES-256 key of a seed: <c>SHA256(seed)</c>.</summary>
    public static byte[] Key(ReadOnlySpan<byte> seed) => SHA256.HashData(seed);

    /// <summary>Fills <paramref name="destination"/> with the stream's bytes from <paramref name="offset"/> (a seek then a read).</summary>
    public void Read(long offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        _aes.Keystream(offset + CounterOneOffset, destination);
    }

    /// <summary>
    /// Writes the first <paramref name="length"/> bytes to <paramref name="destination"/> (RandomIO's
    /// <c>genfile</c>). The next piece is generated while the previous one is being written, so a
    /// disk that is slower than AES sees a steady stream of writes.
    /// </summary>
    public async Task WriteAsync(Stream destination, long length, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        // Two pieces per call rather than pooled ones: a write may still hold one if the caller's
        // progress callback throws, and a pooled buffer must not go back while it is in use.
        var current = GC.AllocateUninitializedArray<byte>((int)Math.Min(WritePiece, Math.Max(length, 1)));
        var other = GC.AllocateUninitializedArray<byte>(current.Length);
        var pending = Task.CompletedTask;
        for (long done = 0; done < length;)
        {
            var count = (int)Math.Min(current.Length, length - done);
            Read(done, current.AsSpan(0, count));
            await pending.ConfigureAwait(false);
            pending = destination.WriteAsync(current.AsMemory(0, count), cancellationToken).AsTask();
            done += count;
            progress?.Report(done);
            (current, other) = (other, current);
        }

        await pending.ConfigureAwait(false);
    }

    public void Dispose() => _aes.Dispose();
}
