namespace Granary.Client.Download;

/// <summary>The part of a file a ranged read asks for.</summary>
internal static class ReadRange
{
    /// <summary>Bytes <c>[from, to]</c> (inclusive; either end open) of a file of <paramref name="size"/> bytes, as a half-open <c>[Start, End)</c>, the end clipped to the file.</summary>
    public static (long Start, long End) Clip(long? from, long? to, long size)
    {
        var start = from ?? 0;
        var end = to is long last ? Math.Min(last + 1, size) : size;
        if (start < 0 || start > size || end < start)
        {
            throw new ArgumentOutOfRangeException(nameof(from), $"The range {from}-{to} is outside the file's {size} bytes.");
        }

        return (start, end);
    }
}
