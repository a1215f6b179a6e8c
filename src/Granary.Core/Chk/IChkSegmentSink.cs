using Granary.Core.Caps;

namespace Granary.Core.Chk;

/// <summary>Receives the blocks of each encoded segment, in segment order.</summary>
public interface IChkSegmentSink
{
    /// <summary>
    /// Called once the key is known and before the first segment: what will be encoded and under
    /// which storage index (an uploader places its shares here).
    /// </summary>
    ValueTask BeginAsync(ChkParameters parameters, StorageIndex storageIndex, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>
    /// <paramref name="shareBlocks"/> holds the n blocks of <paramref name="segment"/> back to back,
    /// <paramref name="blockSize"/> bytes each. The memory is reused once the returned task completes.
    /// </summary>
    ValueTask WriteSegmentAsync(int segment, ReadOnlyMemory<byte> shareBlocks, int blockSize, CancellationToken cancellationToken);
}
