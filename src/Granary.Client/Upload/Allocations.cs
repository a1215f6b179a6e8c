using Granary.Client.Storage;
using Granary.Core.Caps;

namespace Granary.Client.Upload;

/// <summary>Giving allocations back.</summary>
internal static class Allocations
{
    /// <summary>Tells each server, all at once, to drop its allocation of a share; best effort (a server not told drops it after its idle timeout).</summary>
    public static Task AbortAsync(StorageGrid grid, StorageIndex index, IEnumerable<KeyValuePair<int, StorageClient>> targets, byte[] uploadSecret, CancellationToken cancellationToken) =>
        Task.WhenAll(targets.Select(async target =>
        {
            try
            {
                await grid.WithDeadlineAsync(target.Value, async ct =>
                {
                    await target.Value.AbortAsync(index, target.Key, uploadSecret, ct).ConfigureAwait(false);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is StorageException or OperationCanceledException)
            {
                // The allocation expires on its own if the server cannot be told.
            }
        }));
}
