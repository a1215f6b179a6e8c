using Granary.Client.Maintenance;
using Granary.Core.Caps;

namespace Granary.Client.Nodes;

/// <summary>What a cap names on the grid, with what its holder may do to it.</summary>
public abstract class FilesystemNode(Cap cap)
{
    /// <summary>The cap this node was made from.</summary>
    public Cap Cap { get; } = cap;

    /// <summary>True when this holder cannot change the node (a read or verify cap, or anything immutable).</summary>
    public abstract bool IsReadOnly { get; }

    /// <summary>True when the node itself can change (a mutable file or directory), whoever holds it.</summary>
    public abstract bool IsMutable { get; }

    /// <summary>Whether this holder can read the contents (false for a verify cap).</summary>
    public abstract bool CanRead { get; }

    /// <summary>Who holds which shares, and with <paramref name="verify"/> whether every byte of each is right.</summary>
    public abstract Task<CheckReport> CheckAsync(bool verify, IProgress<TransferProgress>? progress, CancellationToken cancellationToken);

    /// <summary>
    /// Restores what <paramref name="report"/> found missing or corrupt; a healthy node is left alone.
    /// An immutable file needs only its verify cap; a mutable file needs a cap that can read it.
    /// </summary>
    public virtual Task<RepairResult> RepairAsync(CheckReport report, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"{Cap} cannot be repaired with this cap: repairing a mutable file re-encodes it and needs its read cap.");

    /// <summary>
    /// Restores what <paramref name="report"/> found missing or corrupt as <paramref name="options"/>
    /// say: servers to leave out (they count as holding nothing and receive nothing) and a bandwidth
    /// cap. Immutable (CHK) files take any options; other nodes only <see cref="RepairOptions.Default"/>.
    /// </summary>
    public virtual Task<RepairResult> RepairAsync(CheckReport report, RepairOptions options, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        options == RepairOptions.Default
            ? RepairAsync(report, progress, cancellationToken)
            : throw new NotSupportedException($"{Cap} cannot be repaired with exclusions or a bandwidth cap yet: only immutable (CHK) files can.");

    public override string ToString() => Cap.ToString();
}

/// <summary>A node whose contents are a sequence of bytes.</summary>
public interface IFileNode
{
    /// <summary>Writes the file, or bytes <c>[from, to]</c> (inclusive) of it, to <paramref name="output"/>; returns the bytes written.</summary>
    Task<long> ReadAsync(Stream output, long? from, long? to, IProgress<TransferProgress>? progress, CancellationToken cancellationToken);

    /// <summary>The file's size in bytes, as its cap states it (null when only the grid knows).</summary>
    long? KnownSize { get; }
}
