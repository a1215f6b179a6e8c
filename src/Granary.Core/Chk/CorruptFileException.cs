namespace Granary.Core.Chk;

/// <summary>
/// Shares that each verify on their own do not make a consistent file: whoever uploaded it
/// produced shares that disagree, or a URI extension block the cap vouches for is self-contradictory.
/// No choice of other shares can be trusted to fix this.
/// </summary>
public sealed class CorruptFileException : Exception
{
    public CorruptFileException()
    {
    }

    public CorruptFileException(string message)
        : base(message)
    {
    }

    public CorruptFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
