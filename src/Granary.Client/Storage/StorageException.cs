using System.Net;

namespace Granary.Client.Storage;

/// <summary>A storage node refused a request or could not be reached; says which node and why.</summary>
public sealed class StorageException : Exception
{
    public StorageException(string node, HttpStatusCode? status, string message, Exception? inner = null)
        : base($"{node}: {message}", inner)
    {
        Node = node;
        Status = status;
        Reason = message;
    }

    public StorageException()
    {
        Node = "";
    }

    public StorageException(string message)
        : base(message)
    {
        Node = "";
    }

    public StorageException(string message, Exception innerException)
        : base(message, innerException)
    {
        Node = "";
    }

    public string Node { get; }

    /// <summary>What went wrong, without the node's name (for messages that already name it).</summary>
    public string Reason { get; } = "";

    /// <summary>The HTTP status the node answered, or null when it could not be reached.</summary>
    public HttpStatusCode? Status { get; }
}
