using System.Buffers;
using System.Numerics;
using System.Security.Cryptography;

namespace Granary.Core.Proofs;

/// <summary>
/// partialhash 1.1.0, the digest a dataserv farmer answers an audit with (dataserv-api §13):
/// <see cref="Compute"/> hashes a seed and a byte range; <see cref="Sample"/> chains such hashes
/// over pieces of a file picked by the previous digest, so the answer needs the whole file at hand
/// and cannot be computed ahead of the seed.
/// </summary>
public static class PartialHash
{
    private const int Piece = 1 << 20;

    /// <summary>
    /// <c>SHA256(seed ‖ file[offset : offset + length])</c>; a <paramref name="length"/> of 0 means
    /// "to the end of the file". A range outside the file is an error.
    /// </summary>
    public static byte[] Compute(Stream file, ReadOnlySpan<byte> seed, long offset = 0, long length = 0)
    {
        ArgumentNullException.ThrowIfNull(file);
        var size = file.Length;
        if (offset < 0 || length < 0 || offset > size || (length != 0 && length > size - offset))
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"The range {offset}+{length} is outside the {size}-byte file.");
        }

        if (length == 0)
        {
            length = size - offset;
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(seed);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Piece, Math.Max(length, 1)));
        try
        {
            file.Seek(offset, SeekOrigin.Begin);
            for (long done = 0; done < length;)
            {
                var read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, length - done));
                if (read == 0)
                {
                    throw new EndOfStreamException($"The file ended {length - done} bytes before the hashed range did.");
                }

                sha.AppendData(buffer, 0, read);
                done += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return sha.GetHashAndReset();
    }

    /// <summary>
    /// Splits the file into pieces of <paramref name="size"/> bytes plus a last piece of the
    /// remainder (empty when it divides evenly); <paramref name="count"/> times, picks the piece at
    /// <c>int_be(seed) mod pieces left</c>, hashes it with the seed, takes the digest as the next
    /// seed and removes the piece (refilling the pool when it empties). Returns the last digest.
    /// </summary>
    public static byte[] Sample(Stream file, long size, int count, ReadOnlySpan<byte> seed)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var length = file.Length;
        var whole = length / size;
        var pieces = whole + 1;
        var pool = new List<long>();
        var digest = seed.ToArray();
        for (var i = 0; i < count; i++)
        {
            if (pool.Count == 0)
            {
                for (long p = 0; p < pieces; p++)
                {
                    pool.Add(p);
                }
            }

            var pick = digest.Length == 0 ? 0 : (int)(new BigInteger(digest, isUnsigned: true, isBigEndian: true) % pool.Count);
            var piece = pool[pick];
            var pieceLength = piece < whole ? size : length % size;
            digest = pieceLength == 0 ? SHA256.HashData(digest) : Compute(file, digest, piece * size, pieceLength);
            pool.RemoveAt(pick);
        }

        return digest;
    }
}
