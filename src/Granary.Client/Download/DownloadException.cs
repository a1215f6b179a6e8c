namespace Granary.Client.Download;

/// <summary>A file cannot be read back: too few good shares, or shares that disagree; the message says which.</summary>
public sealed class DownloadException : Exception
{
    public DownloadException(string message)
        : base(message)
    {
    }

    public DownloadException()
    {
    }

    public DownloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
