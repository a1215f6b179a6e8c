using System.Threading.Channels;
using Granary.Core.Caps;
using Microsoft.Extensions.Logging;

namespace Granary.Gateway;

/// <summary>
/// Hands the files and directories the gateway makes to the client's hubs to keep, as <c>granary put</c>
/// and <c>mkdir</c> do, but off the request path: an upload never waits on a hub, and a hub that does
/// not take a file is a logged warning, never a failed request. Off when client.json says
/// <c>keepWithHubs: false</c> or names no hubs.
/// </summary>
public sealed class GatewayKeeper : IAsyncDisposable
{
    /// <summary>Caps waiting for the hubs; beyond this the newest are dropped (and logged) rather than held in memory.</summary>
    public const int QueueLimit = 10_000;

    private readonly GatewayGrid _grid;
    private readonly Channel<Cap> _queue = Channel.CreateBounded<Cap>(new BoundedChannelOptions(QueueLimit) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _stop = new();
    private ILogger? _logger;
    private Task _running = Task.CompletedTask;

    /// <param name="grid">Whose client asks the hubs (the one current when each cap is handed over).</param>
    /// <param name="enabled">Whether new files are handed to hubs at all.</param>
    public GatewayKeeper(GatewayGrid grid, bool enabled)
    {
        _grid = grid;
        Enabled = enabled;
    }

    public bool Enabled { get; }

    /// <summary>Starts handing caps over in the background, logging what the hubs refuse to <paramref name="logger"/>.</summary>
    public void Start(ILogger logger)
    {
        _logger = logger;
        if (Enabled)
        {
            _running = Task.Run(() => RunAsync(_stop.Token));
        }
    }

    /// <summary>Queues a file or directory just made for the hubs; returns at once.</summary>
    public void Keep(Cap cap)
    {
        if (Enabled && !_queue.Writer.TryWrite(cap) && _logger is not null)
        {
            GatewayLog.NotKept(_logger, cap.GetType().Name, $"more than {QueueLimit} files are already waiting for the hubs");
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var cap in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    foreach (var warning in await _grid.Client.Keeper.KeepNewAsync(cap, cancellationToken).ConfigureAwait(false))
                    {
                        GatewayLog.NotKept(_logger!, cap.GetType().Name, warning);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    GatewayLog.NotKept(_logger!, cap.GetType().Name, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        _stop.Dispose();
    }
}
