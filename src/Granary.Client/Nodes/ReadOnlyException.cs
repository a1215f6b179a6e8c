namespace Granary.Client.Nodes;

/// <summary>A write was asked of a read-only cap (or of something immutable).</summary>
public sealed class ReadOnlyException : Exception
{
    public ReadOnlyException()
    {
    }

    public ReadOnlyException(string message)
        : base(message)
    {
    }

    public ReadOnlyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
