using Granary.Core.Mutable;

namespace Granary.Client.Mutable;

/// <summary>
/// RSA-2048 keys for new mutable files and directories: every new file needs its own key, and making
/// one costs a quarter of a second here. A client that has made two (copying a tree, a gateway)
/// probably makes more, so from the second key on the next is made in the background while the
/// last is used (Tahoe's client keeps a key generator for the same reason); a command that makes one
/// file makes no spare.
/// </summary>
internal sealed class SigningKeyPool
{
    private readonly Lock _lock = new();
    private Task<SigningKey>? _next;
    private int _taken;

    /// <summary>A fresh key, never handed out before; the caller disposes it.</summary>
    public async Task<SigningKey> TakeAsync(CancellationToken cancellationToken)
    {
        Task<SigningKey> ready;
        lock (_lock)
        {
            ready = _next ?? Task.Run(SigningKey.Generate, CancellationToken.None);
            _next = ++_taken >= 2 ? Task.Run(SigningKey.Generate, CancellationToken.None) : null;
        }

        return await ready.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
