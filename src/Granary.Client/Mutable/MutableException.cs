namespace Granary.Client.Mutable;

/// <summary>A mutable file or directory could not be read or written; the message says why.</summary>
public class MutableException : Exception
{
    public MutableException()
    {
    }

    public MutableException(string message)
        : base(message)
    {
    }

    public MutableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Another writer changed the file while this one was publishing (Tahoe's UncoordinatedWriteError):
/// some servers hold a version this writer did not expect. Nothing is lost — every version written
/// is still on the grid — but which one readers see is no longer this writer's choice: read again
/// and, if need be, write again.
/// </summary>
public sealed class UncoordinatedWriteException : MutableException
{
    public UncoordinatedWriteException()
    {
    }

    public UncoordinatedWriteException(string message)
        : base(message)
    {
    }

    public UncoordinatedWriteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
