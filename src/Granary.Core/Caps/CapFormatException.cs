namespace Granary.Core.Caps;

/// <summary>A string that is not a well-formed cap; the message says what is wrong with it.</summary>
public sealed class CapFormatException : FormatException
{
    public CapFormatException(string message)
        : base(message)
    {
    }

    public CapFormatException()
    {
    }

    public CapFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
