namespace Granary.Client.Nodes;

/// <summary>A name along a grid path does not exist (Tahoe's "No such child").</summary>
public sealed class PathNotFoundException : Exception
{
    public PathNotFoundException()
    {
    }

    public PathNotFoundException(string message)
        : base(message)
    {
    }

    public PathNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
