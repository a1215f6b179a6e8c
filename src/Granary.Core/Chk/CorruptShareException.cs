namespace Granary.Core.Chk;

/// <summary>
/// One share failed verification: its blocks or hashes do not match what the cap vouches for.
/// The file may still be readable from other shares. When only one block is bad,
/// <see cref="Segment"/> says which; the share's other blocks may still be good.
/// </summary>
public sealed class CorruptShareException : Exception
{
    public CorruptShareException(int shareNumber, string reason, int? segment = null)
        : base($"Share {shareNumber} is corrupt: {reason}.")
    {
        ShareNumber = shareNumber;
        Reason = reason;
        Segment = segment;
    }

    public CorruptShareException()
    {
    }

    public CorruptShareException(string message)
        : base(message)
    {
    }

    public CorruptShareException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int ShareNumber { get; }

    public string Reason { get; } = "";

    /// <summary>The segment whose block is bad, when the rest of the share may be good; null when the whole share is unusable.</summary>
    public int? Segment { get; }
}
