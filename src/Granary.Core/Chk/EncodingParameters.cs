namespace Granary.Core.Chk;

/// <summary>
/// What an uploader chooses: k of n shares recover the file, segments of at most
/// <paramref name="MaxSegmentSize"/> bytes. Tahoe-LAFS's defaults are 3-of-10 and 1 MiB.
/// </summary>
public sealed record EncodingParameters(int K, int N, int MaxSegmentSize)
{
    public const int DefaultMaxSegmentSize = 1024 * 1024;

    /// <summary>Segments are held in memory while they are encoded, so they have a ceiling.</summary>
    public const int MaxSupportedSegmentSize = 1024 * 1024 * 1024;

    public static EncodingParameters Default { get; } = new(3, 10, DefaultMaxSegmentSize);

    /// <summary>Throws <see cref="ArgumentException"/> with a sentence a user can act on.</summary>
    public void Validate()
    {
        if (K < 1 || K > 256)
        {
            throw new ArgumentException($"k (shares needed) must be between 1 and 256; got {K}.");
        }

        if (N < 1 || N > 256)
        {
            throw new ArgumentException($"n (total shares) must be between 1 and 256; got {N}.");
        }

        if (K > N)
        {
            throw new ArgumentException($"k ({K}) cannot exceed n ({N}): a file needs k of its n shares.");
        }

        if (MaxSegmentSize is < 1 or > MaxSupportedSegmentSize)
        {
            throw new ArgumentException(
                $"The maximum segment size must be between 1 byte and {MaxSupportedSegmentSize} bytes (1 GiB); got {MaxSegmentSize}.");
        }
    }
}
