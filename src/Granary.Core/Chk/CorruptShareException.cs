namespace Granary.Core.Chk;

/// <summary>
/// One share failed verification: its blocks or hashes do not match what the cap vouches for.
/// The file may still be readable from other shares.
/// </summary>
public sealed class CorruptShareException : Exception
{
    public CorruptShareException(int shareNumber, string reason)
        : base($"Share {shareNumber} is corrupt: {reason}.")
    {
        ShareNumber = shareNumber;
        Reason = reason;
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
}
