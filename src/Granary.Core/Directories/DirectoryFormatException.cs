namespace Granary.Core.Directories;

/// <summary>A directory's contents that Tahoe could not read either: broken netstrings, names that are not UTF-8, metadata that is not a JSON object.</summary>
public sealed class DirectoryFormatException : FormatException
{
    public DirectoryFormatException()
    {
    }

    public DirectoryFormatException(string message)
        : base(message)
    {
    }

    public DirectoryFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
