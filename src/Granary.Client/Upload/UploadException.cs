namespace Granary.Client.Upload;

/// <summary>An upload could not place enough shares; the message says how many servers could take them and why the rest could not.</summary>
public sealed class UploadException : Exception
{
    public UploadException(string message)
        : base(message)
    {
    }

    public UploadException()
    {
    }

    public UploadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
