using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Granary.Core.Proofs;

/// <summary>
/// heartbeat 0.1.10's KeyedPRF, which picks where in a file a Merkle leaf's bytes are read
/// (proofs-of-storage §3.1.3): AES in CFB-8 mode under the key, IV zero, encrypting the first
/// <c>ceil(bitlength(range) / 8)</c> bytes of <c>SHA256("0")</c>, masked to the range's bit length,
/// until the value falls below the range. The cipher is not reset between attempts: each retry
/// continues the CFB stream.
/// </summary>
public static class KeyedPrf
{
    private const int BlockSize = 16;

    // SHA256("0"), the block upstream encrypts (its input x + nonce is always 0).
    private static readonly byte[] Block = SHA256.HashData("0"u8);

    /// <summary>A value in [0, <paramref name="range"/>) determined by <paramref name="key"/> (16, 24 or 32 bytes).</summary>
    public static long Value(ReadOnlySpan<byte> key, long range)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(range, 1);
        var bits = 64 - BitOperations.LeadingZeroCount((ulong)range);
        var length = (bits + 7) / 8;
        var mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;

        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        Span<byte> register = stackalloc byte[BlockSize];
        register.Clear();
        Span<byte> cipher = stackalloc byte[length];
        Span<byte> value = stackalloc byte[sizeof(ulong)];
        while (true)
        {
            aes.EncryptCfb(Block.AsSpan(0, length), register, cipher, PaddingMode.None, feedbackSizeInBits: 8);

            // CFB-8's shift register after these bytes: the last 16 bytes of register ‖ ciphertext.
            register[length..].CopyTo(register);
            cipher.CopyTo(register[(BlockSize - length)..]);

            value.Clear();
            cipher.CopyTo(value[(sizeof(ulong) - length)..]);
            var candidate = BinaryPrimitives.ReadUInt64BigEndian(value) & mask;
            if (candidate < (ulong)range)
            {
                return (long)candidate;
            }
        }
    }
}
