namespace Granary.Core.Mutable;

/// <summary>Bytes that cannot be a mutable share: an unknown version byte, impossible parameters, offsets out of order or past the end.</summary>
public sealed class MutableShareFormatException : FormatException
{
    public MutableShareFormatException()
    {
    }

    public MutableShareFormatException(string message)
        : base(message)
    {
    }

    public MutableShareFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
