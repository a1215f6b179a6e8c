using Granary.Core.Protocol;

namespace Granary.Storage.Shares;

internal enum WriteStatus
{
    /// <summary>Written; <see cref="WriteOutcome.Required"/> lists what is still missing.</summary>
    Partial,

    /// <summary>The share is complete and visible.</summary>
    Complete,

    /// <summary>Bytes already written (or of the finished share) differ from these.</summary>
    Conflict,

    /// <summary>The range runs past the allocated size.</summary>
    OutOfRange,

    /// <summary>No upload of this share is in progress and it is not stored.</summary>
    NoUpload,

    /// <summary>The upload secret is not the one that allocated the share.</summary>
    WrongSecret,
}

internal sealed record WriteOutcome(WriteStatus Status, IReadOnlyList<ByteRange> Required)
{
    public static WriteOutcome Of(WriteStatus status) => new(status, []);
}
