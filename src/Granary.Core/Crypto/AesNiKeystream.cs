using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace Granary.Core.Crypto;

/// <summary>
/// AES-CTR keystream with AES-NI (AES-128 for Tahoe, AES-256 for RandomIO): the key schedule
/// expanded once, then eight counter blocks encrypted side by side so the AESENC pipeline stays full
/// (each round's latency hides behind the other seven blocks).
/// </summary>
internal sealed class AesNiKeystream
{
    private const int BlockSize = 16;
    private const int Parallel = 8;

    private readonly Vector128<byte>[] _roundKeys;
    private readonly int _rounds;

    /// <param name="key">16 bytes (AES-128, ten rounds) or 32 bytes (AES-256, fourteen rounds).</param>
    public AesNiKeystream(ReadOnlySpan<byte> key)
    {
        _rounds = key.Length == 32 ? 14 : 10;
        _roundKeys = key.Length == 32 ? Expand256(key) : Expand128(key);
    }

    public static bool IsSupported => X86Aes.IsSupported && Sse2.IsSupported;

    public void Transform(long offset, ReadOnlySpan<byte> input, Span<byte> output)
    {
        var block = (ulong)(offset / BlockSize);
        var skip = (int)(offset % BlockSize);
        var done = 0;
        Span<byte> keystream = stackalloc byte[BlockSize * Parallel];

        // A partial first block, when the offset is not on a block boundary.
        if (skip != 0)
        {
            Keystream(block, keystream[..BlockSize]);
            var count = Math.Min(BlockSize - skip, input.Length);
            AesCtr.Xor(input[..count], keystream.Slice(skip, count), output);
            done = count;
            block++;
        }

        var whole = TransformWhole(block, input[done..], output[done..]);
        done += whole;
        block += (ulong)(whole / BlockSize);

        // The tail of fewer than eight blocks.
        while (done < input.Length)
        {
            Keystream(block++, keystream[..BlockSize]);
            var count = Math.Min(BlockSize, input.Length - done);
            AesCtr.Xor(input.Slice(done, count), keystream[..count], output[done..]);
            done += count;
        }
    }

    // Encrypts whole groups of eight blocks; returns the bytes done.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int TransformWhole(ulong block, ReadOnlySpan<byte> input, Span<byte> output)
    {
        var rk = _roundKeys;
        var rounds = _rounds;
        var k0 = rk[0];
        var kLast = rk[rounds];
        var done = 0;
        for (; done + BlockSize * Parallel <= input.Length; done += BlockSize * Parallel, block += Parallel)
        {
            var c0 = Counter(block) ^ k0;
            var c1 = Counter(block + 1) ^ k0;
            var c2 = Counter(block + 2) ^ k0;
            var c3 = Counter(block + 3) ^ k0;
            var c4 = Counter(block + 4) ^ k0;
            var c5 = Counter(block + 5) ^ k0;
            var c6 = Counter(block + 6) ^ k0;
            var c7 = Counter(block + 7) ^ k0;
            for (var round = 1; round < rounds; round++)
            {
                var key = rk[round];
                c0 = X86Aes.Encrypt(c0, key);
                c1 = X86Aes.Encrypt(c1, key);
                c2 = X86Aes.Encrypt(c2, key);
                c3 = X86Aes.Encrypt(c3, key);
                c4 = X86Aes.Encrypt(c4, key);
                c5 = X86Aes.Encrypt(c5, key);
                c6 = X86Aes.Encrypt(c6, key);
                c7 = X86Aes.Encrypt(c7, key);
            }

            var source = input[done..];
            var target = output[done..];
            (X86Aes.EncryptLast(c0, kLast) ^ Vector128.Create(source)).CopyTo(target);
            (X86Aes.EncryptLast(c1, kLast) ^ Vector128.Create(source[16..])).CopyTo(target[16..]);
            (X86Aes.EncryptLast(c2, kLast) ^ Vector128.Create(source[32..])).CopyTo(target[32..]);
            (X86Aes.EncryptLast(c3, kLast) ^ Vector128.Create(source[48..])).CopyTo(target[48..]);
            (X86Aes.EncryptLast(c4, kLast) ^ Vector128.Create(source[64..])).CopyTo(target[64..]);
            (X86Aes.EncryptLast(c5, kLast) ^ Vector128.Create(source[80..])).CopyTo(target[80..]);
            (X86Aes.EncryptLast(c6, kLast) ^ Vector128.Create(source[96..])).CopyTo(target[96..]);
            (X86Aes.EncryptLast(c7, kLast) ^ Vector128.Create(source[112..])).CopyTo(target[112..]);
        }

        return done;
    }

    private void Keystream(ulong block, Span<byte> destination)
    {
        var state = Counter(block) ^ _roundKeys[0];
        for (var round = 1; round < _rounds; round++)
        {
            state = X86Aes.Encrypt(state, _roundKeys[round]);
        }

        X86Aes.EncryptLast(state, _roundKeys[_rounds]).CopyTo(destination);
    }

    // Counter block i: 128-bit big-endian, so the high eight bytes are zero for any realistic offset.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Counter(ulong block) => Vector128.Create(0UL, BinaryPrimitives.ReverseEndianness(block)).AsByte();

    private static Vector128<byte>[] Expand128(ReadOnlySpan<byte> key)
    {
        var rk = new Vector128<byte>[11];
        var k = Vector128.Create(key);
        rk[0] = k;
        rk[1] = k = Expand(k, X86Aes.KeygenAssist(k, 0x01), 0xFF);
        rk[2] = k = Expand(k, X86Aes.KeygenAssist(k, 0x02), 0xFF);
        rk[3] = k = Expand(k, X86Aes.KeygenAssist(k, 0x04), 0xFF);
        rk[4] = k = Expand(k, X86Aes.KeygenAssist(k, 0x08), 0xFF);
        rk[5] = k = Expand(k, X86Aes.KeygenAssist(k, 0x10), 0xFF);
        rk[6] = k = Expand(k, X86Aes.KeygenAssist(k, 0x20), 0xFF);
        rk[7] = k = Expand(k, X86Aes.KeygenAssist(k, 0x40), 0xFF);
        rk[8] = k = Expand(k, X86Aes.KeygenAssist(k, 0x80), 0xFF);
        rk[9] = k = Expand(k, X86Aes.KeygenAssist(k, 0x1b), 0xFF);
        rk[10] = Expand(k, X86Aes.KeygenAssist(k, 0x36), 0xFF);
        return rk;
    }

    // AES-256: the two key halves take turns; the even round keys mix in the round constant through
    // the rotated, substituted last word (shuffle 0xFF), the odd ones only the substituted word (0xAA).
    private static Vector128<byte>[] Expand256(ReadOnlySpan<byte> key)
    {
        var rk = new Vector128<byte>[15];
        var a = Vector128.Create(key);
        var b = Vector128.Create(key[16..]);
        rk[0] = a;
        rk[1] = b;
        rk[2] = a = Expand(a, X86Aes.KeygenAssist(b, 0x01), 0xFF);
        rk[3] = b = Expand(b, X86Aes.KeygenAssist(a, 0x00), 0xAA);
        rk[4] = a = Expand(a, X86Aes.KeygenAssist(b, 0x02), 0xFF);
        rk[5] = b = Expand(b, X86Aes.KeygenAssist(a, 0x00), 0xAA);
        rk[6] = a = Expand(a, X86Aes.KeygenAssist(b, 0x04), 0xFF);
        rk[7] = b = Expand(b, X86Aes.KeygenAssist(a, 0x00), 0xAA);
        rk[8] = a = Expand(a, X86Aes.KeygenAssist(b, 0x08), 0xFF);
        rk[9] = b = Expand(b, X86Aes.KeygenAssist(a, 0x00), 0xAA);
        rk[10] = a = Expand(a, X86Aes.KeygenAssist(b, 0x10), 0xFF);
        rk[11] = b = Expand(b, X86Aes.KeygenAssist(a, 0x00), 0xAA);
        rk[12] = a = Expand(a, X86Aes.KeygenAssist(b, 0x20), 0xFF);
        rk[13] = b = Expand(b, X86Aes.KeygenAssist(a, 0x00), 0xAA);
        rk[14] = Expand(a, X86Aes.KeygenAssist(b, 0x40), 0xFF);
        return rk;
    }

    private static Vector128<byte> Expand(Vector128<byte> key, Vector128<byte> assist, byte shuffle)
    {
        assist = (shuffle == 0xFF ? Sse2.Shuffle(assist.AsInt32(), 0xFF) : Sse2.Shuffle(assist.AsInt32(), 0xAA)).AsByte();
        key ^= Sse2.ShiftLeftLogical128BitLane(key, 4);
        key ^= Sse2.ShiftLeftLogical128BitLane(key, 4);
        key ^= Sse2.ShiftLeftLogical128BitLane(key, 4);
        return key ^ assist;
    }
}
