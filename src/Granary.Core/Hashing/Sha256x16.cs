using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Granary.Core.Hashing;

/// <summary>
/// Sixteen independent SHA-256 block compressions at once, one message per 32-bit lane of AVX-512
/// registers. With SHA-NI a core hashes one stream at about 1.9 GB/s; sixteen lanes of plain
/// AVX-512 arithmetic do better in total when there are many messages to hash, as there are in CHK
/// encoding (n block hashes and a segment hash per segment).
/// </summary>
internal static unsafe class Sha256x16
{
    public const int Lanes = 16;

    private static readonly uint[] RoundConstants =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    /// <summary>SHA-256's initial hash value.</summary>
    public static readonly uint[] InitialState = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

    public static bool IsSupported => Avx512F.IsSupported && Avx512BW.IsSupported;

    /// <summary>
    /// Compresses one 64-byte block per lane into <paramref name="state"/> (eight vectors: word i of
    /// every lane's state in vector i). <paramref name="blocks"/> holds sixteen block pointers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compress(Vector512<uint>* state, byte** blocks)
    {
        // Load a block per lane (row = lane), make its words big-endian, then transpose so that
        // vector t holds message word t of every lane.
        var swap = Vector512.Create((byte)3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12,
            3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
        Vector512<uint> w0 = Row(blocks[0], swap), w1 = Row(blocks[1], swap), w2 = Row(blocks[2], swap), w3 = Row(blocks[3], swap);
        Vector512<uint> w4 = Row(blocks[4], swap), w5 = Row(blocks[5], swap), w6 = Row(blocks[6], swap), w7 = Row(blocks[7], swap);
        Vector512<uint> w8 = Row(blocks[8], swap), w9 = Row(blocks[9], swap), w10 = Row(blocks[10], swap), w11 = Row(blocks[11], swap);
        Vector512<uint> w12 = Row(blocks[12], swap), w13 = Row(blocks[13], swap), w14 = Row(blocks[14], swap), w15 = Row(blocks[15], swap);
        Transpose(ref w0, ref w1, ref w2, ref w3, ref w4, ref w5, ref w6, ref w7, ref w8, ref w9, ref w10, ref w11, ref w12, ref w13, ref w14, ref w15);

        var a = state[0];
        var b = state[1];
        var c = state[2];
        var d = state[3];
        var e = state[4];
        var f = state[5];
        var g = state[6];
        var h = state[7];
        fixed (uint* k = RoundConstants)
        {
            for (var t = 0; t < 64; t += 16)
            {
                if (t > 0)
                {
                    w0 = Schedule(w0, w1, w9, w14);
                    w1 = Schedule(w1, w2, w10, w15);
                    w2 = Schedule(w2, w3, w11, w0);
                    w3 = Schedule(w3, w4, w12, w1);
                    w4 = Schedule(w4, w5, w13, w2);
                    w5 = Schedule(w5, w6, w14, w3);
                    w6 = Schedule(w6, w7, w15, w4);
                    w7 = Schedule(w7, w8, w0, w5);
                    w8 = Schedule(w8, w9, w1, w6);
                    w9 = Schedule(w9, w10, w2, w7);
                    w10 = Schedule(w10, w11, w3, w8);
                    w11 = Schedule(w11, w12, w4, w9);
                    w12 = Schedule(w12, w13, w5, w10);
                    w13 = Schedule(w13, w14, w6, w11);
                    w14 = Schedule(w14, w15, w7, w12);
                    w15 = Schedule(w15, w0, w8, w13);
                }

                // Eight rounds rotate the roles of a…h instead of moving values between registers.
                Round(a, b, c, ref d, e, f, g, ref h, w0 + Vector512.Create(k[t]));
                Round(h, a, b, ref c, d, e, f, ref g, w1 + Vector512.Create(k[t + 1]));
                Round(g, h, a, ref b, c, d, e, ref f, w2 + Vector512.Create(k[t + 2]));
                Round(f, g, h, ref a, b, c, d, ref e, w3 + Vector512.Create(k[t + 3]));
                Round(e, f, g, ref h, a, b, c, ref d, w4 + Vector512.Create(k[t + 4]));
                Round(d, e, f, ref g, h, a, b, ref c, w5 + Vector512.Create(k[t + 5]));
                Round(c, d, e, ref f, g, h, a, ref b, w6 + Vector512.Create(k[t + 6]));
                Round(b, c, d, ref e, f, g, h, ref a, w7 + Vector512.Create(k[t + 7]));
                Round(a, b, c, ref d, e, f, g, ref h, w8 + Vector512.Create(k[t + 8]));
                Round(h, a, b, ref c, d, e, f, ref g, w9 + Vector512.Create(k[t + 9]));
                Round(g, h, a, ref b, c, d, e, ref f, w10 + Vector512.Create(k[t + 10]));
                Round(f, g, h, ref a, b, c, d, ref e, w11 + Vector512.Create(k[t + 11]));
                Round(e, f, g, ref h, a, b, c, ref d, w12 + Vector512.Create(k[t + 12]));
                Round(d, e, f, ref g, h, a, b, ref c, w13 + Vector512.Create(k[t + 13]));
                Round(c, d, e, ref f, g, h, a, ref b, w14 + Vector512.Create(k[t + 14]));
                Round(b, c, d, ref e, f, g, h, ref a, w15 + Vector512.Create(k[t + 15]));
            }
        }

        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Row(byte* block, Vector512<byte> swap) => Avx512BW.Shuffle(Vector512.Load(block), swap).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(
        Vector512<uint> a, Vector512<uint> b, Vector512<uint> c, ref Vector512<uint> d,
        Vector512<uint> e, Vector512<uint> f, Vector512<uint> g, ref Vector512<uint> h, Vector512<uint> kw)
    {
        // Σ1, Ch, Σ0 and Maj are each one ternary-logic instruction after the rotates.
        var sigma1 = Avx512F.TernaryLogic(Avx512F.RotateRight(e, 6), Avx512F.RotateRight(e, 11), Avx512F.RotateRight(e, 25), 0x96);
        var t1 = h + sigma1 + Avx512F.TernaryLogic(e, f, g, 0xCA) + kw;
        var sigma0 = Avx512F.TernaryLogic(Avx512F.RotateRight(a, 2), Avx512F.RotateRight(a, 13), Avx512F.RotateRight(a, 22), 0x96);
        d += t1;
        h = t1 + sigma0 + Avx512F.TernaryLogic(a, b, c, 0xE8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Schedule(Vector512<uint> w16, Vector512<uint> w15, Vector512<uint> w7, Vector512<uint> w2)
    {
        var s0 = Avx512F.TernaryLogic(Avx512F.RotateRight(w15, 7), Avx512F.RotateRight(w15, 18), Avx512F.ShiftRightLogical(w15, 3), 0x96);
        var s1 = Avx512F.TernaryLogic(Avx512F.RotateRight(w2, 17), Avx512F.RotateRight(w2, 19), Avx512F.ShiftRightLogical(w2, 10), 0x96);
        return w16 + s0 + w7 + s1;
    }

    // A 16 × 16 transpose of 32-bit words: interleave words, then pairs, then 128-bit lanes twice.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(
        ref Vector512<uint> r0, ref Vector512<uint> r1, ref Vector512<uint> r2, ref Vector512<uint> r3,
        ref Vector512<uint> r4, ref Vector512<uint> r5, ref Vector512<uint> r6, ref Vector512<uint> r7,
        ref Vector512<uint> r8, ref Vector512<uint> r9, ref Vector512<uint> r10, ref Vector512<uint> r11,
        ref Vector512<uint> r12, ref Vector512<uint> r13, ref Vector512<uint> r14, ref Vector512<uint> r15)
    {
        var a0 = Avx512F.UnpackLow(r0, r1);
        var a1 = Avx512F.UnpackHigh(r0, r1);
        var a2 = Avx512F.UnpackLow(r2, r3);
        var a3 = Avx512F.UnpackHigh(r2, r3);
        var a4 = Avx512F.UnpackLow(r4, r5);
        var a5 = Avx512F.UnpackHigh(r4, r5);
        var a6 = Avx512F.UnpackLow(r6, r7);
        var a7 = Avx512F.UnpackHigh(r6, r7);
        var a8 = Avx512F.UnpackLow(r8, r9);
        var a9 = Avx512F.UnpackHigh(r8, r9);
        var a10 = Avx512F.UnpackLow(r10, r11);
        var a11 = Avx512F.UnpackHigh(r10, r11);
        var a12 = Avx512F.UnpackLow(r12, r13);
        var a13 = Avx512F.UnpackHigh(r12, r13);
        var a14 = Avx512F.UnpackLow(r14, r15);
        var a15 = Avx512F.UnpackHigh(r14, r15);

        // b[4i + w], 128-bit lane L: rows 4i … 4i+3 of word 4L + w.
        var b0 = Pairs(a0, a2, low: true);
        var b1 = Pairs(a0, a2, low: false);
        var b2 = Pairs(a1, a3, low: true);
        var b3 = Pairs(a1, a3, low: false);
        var b4 = Pairs(a4, a6, low: true);
        var b5 = Pairs(a4, a6, low: false);
        var b6 = Pairs(a5, a7, low: true);
        var b7 = Pairs(a5, a7, low: false);
        var b8 = Pairs(a8, a10, low: true);
        var b9 = Pairs(a8, a10, low: false);
        var b10 = Pairs(a9, a11, low: true);
        var b11 = Pairs(a9, a11, low: false);
        var b12 = Pairs(a12, a14, low: true);
        var b13 = Pairs(a12, a14, low: false);
        var b14 = Pairs(a13, a15, low: true);
        var b15 = Pairs(a13, a15, low: false);

        TransposeLanes(b0, b4, b8, b12, out r0, out r4, out r8, out r12);
        TransposeLanes(b1, b5, b9, b13, out r1, out r5, out r9, out r13);
        TransposeLanes(b2, b6, b10, b14, out r2, out r6, out r10, out r14);
        TransposeLanes(b3, b7, b11, b15, out r3, out r7, out r11, out r15);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Pairs(Vector512<uint> x, Vector512<uint> y, bool low) =>
        (low ? Avx512F.UnpackLow(x.AsUInt64(), y.AsUInt64()) : Avx512F.UnpackHigh(x.AsUInt64(), y.AsUInt64())).AsUInt32();

    // Transposes the 4 × 4 grid of 128-bit lanes of four vectors.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeLanes(
        Vector512<uint> x0, Vector512<uint> x1, Vector512<uint> x2, Vector512<uint> x3,
        out Vector512<uint> y0, out Vector512<uint> y1, out Vector512<uint> y2, out Vector512<uint> y3)
    {
        var p0 = Avx512F.Shuffle4x128(x0, x1, 0x44);
        var p1 = Avx512F.Shuffle4x128(x0, x1, 0xEE);
        var p2 = Avx512F.Shuffle4x128(x2, x3, 0x44);
        var p3 = Avx512F.Shuffle4x128(x2, x3, 0xEE);
        y0 = Avx512F.Shuffle4x128(p0, p2, 0x88);
        y1 = Avx512F.Shuffle4x128(p0, p2, 0xDD);
        y2 = Avx512F.Shuffle4x128(p1, p3, 0x88);
        y3 = Avx512F.Shuffle4x128(p1, p3, 0xDD);
    }
}
