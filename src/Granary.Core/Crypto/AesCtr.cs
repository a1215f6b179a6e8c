using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Granary.Core.Crypto;

/// <summary>
/// AES in counter mode with no nonce: the counter block for keystream block i is i as a 128-bit
/// big-endian integer, starting at zero. AES-128 is Tahoe-LAFS's cipher; AES-256 is RandomIO's
/// (whose counter starts at one: its stream is this one from byte 16). Because the keystream at any
/// byte offset is known without the bytes before it, segments can be encrypted or decrypted
/// independently and in any order.
/// </summary>
/// <remarks>
/// With AES-NI the keystream is made by <see cref="AesNiKeystream"/>, eight blocks in flight; without
/// it, by the platform's AES in ECB mode over a batch of counter blocks. Both give identical bytes.
/// </remarks>
public sealed class AesCtr : IDisposable
{
    /// <summary>An AES-128 key, as Tahoe uses.</summary>
    public const int KeySize = 16;

    /// <summary>An AES-256 key, as RandomIO uses.</summary>
    public const int Aes256KeySize = 32;
    private const int BlockSize = 16;
    private const int BatchBlocks = 1024;

    private readonly AesNiKeystream? _aesNi;
    private readonly Aes? _platform;

    public AesCtr(ReadOnlySpan<byte> key)
        : this(key, AesNiKeystream.IsSupported)
    {
    }

    internal AesCtr(ReadOnlySpan<byte> key, bool useAesNi)
    {
        if (key.Length is not (KeySize or Aes256KeySize))
        {
            throw new ArgumentException($"AES-CTR needs a {KeySize}-byte (AES-128) or {Aes256KeySize}-byte (AES-256) key, got {key.Length} bytes.", nameof(key));
        }

        if (useAesNi)
        {
            _aesNi = new AesNiKeystream(key);
        }
        else
        {
            _platform = Aes.Create();
            _platform.Key = key.ToArray();
        }
    }

    /// <summary>Which implementation makes the keystream ("aes-ni" or "platform").</summary>
    public string Implementation => _aesNi is null ? "platform" : "aes-ni";

    /// <summary>
    /// XORs the keystream starting at byte <paramref name="offset"/> of the stream into
    /// <paramref name="input"/>, writing to <paramref name="output"/> (which may be the same memory).
    /// Encryption and decryption are the same operation.
    /// </summary>
    public void Transform(long offset, ReadOnlySpan<byte> input, Span<byte> output)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (output.Length < input.Length)
        {
            throw new ArgumentException("Output is shorter than input.", nameof(output));
        }

        if (_aesNi is not null)
        {
            _aesNi.Transform(offset, input, output);
        }
        else
        {
            TransformWithPlatform(offset, input, output);
        }
    }

    /// <summary>Writes the keystream itself (the encryption of zeros) from byte <paramref name="offset"/>.</summary>
    public void Keystream(long offset, Span<byte> destination)
    {
        destination.Clear();
        Transform(offset, destination, destination);
    }

    public void Dispose() => _platform?.Dispose();

    private void TransformWithPlatform(long offset, ReadOnlySpan<byte> input, Span<byte> output)
    {
        var counters = ArrayPool<byte>.Shared.Rent(BatchBlocks * BlockSize);
        var keystream = ArrayPool<byte>.Shared.Rent(BatchBlocks * BlockSize);
        try
        {
            var block = offset / BlockSize;
            var skip = (int)(offset % BlockSize);
            var done = 0;
            while (done < input.Length)
            {
                var wanted = Math.Min(input.Length - done + skip, BatchBlocks * BlockSize);
                var blocks = (wanted + BlockSize - 1) / BlockSize;
                for (var i = 0; i < blocks; i++)
                {
                    var counter = counters.AsSpan(i * BlockSize, BlockSize);
                    BinaryPrimitives.WriteUInt64BigEndian(counter, 0);
                    BinaryPrimitives.WriteUInt64BigEndian(counter[8..], (ulong)(block + i));
                }

                _platform!.EncryptEcb(counters.AsSpan(0, blocks * BlockSize), keystream.AsSpan(0, blocks * BlockSize), PaddingMode.None);
                var count = Math.Min(blocks * BlockSize - skip, input.Length - done);
                Xor(input.Slice(done, count), keystream.AsSpan(skip, count), output.Slice(done, count));
                done += count;
                block += blocks;
                skip = 0;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(counters);
            ArrayPool<byte>.Shared.Return(keystream);
        }
    }

    internal static void Xor(ReadOnlySpan<byte> data, ReadOnlySpan<byte> keystream, Span<byte> output)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= data.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                (new Vector<byte>(data[i..]) ^ new Vector<byte>(keystream[i..])).CopyTo(output[i..]);
            }
        }

        for (; i < data.Length; i++)
        {
            output[i] = (byte)(data[i] ^ keystream[i]);
        }
    }
}
