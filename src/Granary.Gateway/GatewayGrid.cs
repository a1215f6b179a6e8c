using Granary.Client;
using Microsoft.Extensions.Logging;

namespace Granary.Gateway;

/// <summary>
/// The client a gateway serves with, found again every <see cref="RefreshInterval"/>: a gateway runs
/// for days, and nodes join and leave the grid meanwhile. A refresh that fails keeps the client it
/// had (and says why on the welcome page); requests always see a whole client, never a half-found one.
/// </summary>
public sealed class GatewayGrid : IAsyncDisposable
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    private readonly Func<CancellationToken, Task<GranaryClient>>? _refresh;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private ILogger? _logger;
    private Task _refreshing = Task.CompletedTask;
    private volatile GranaryClient _client;
    private volatile string? _refreshError;

    /// <param name="client">The client found at start.</param>
    /// <param name="refresh">How to find the grid again; null for a grid found once (tests, fixed server lists).</param>
    /// <param name="hubs">The hubs the client asks, for the welcome page.</param>
    public GatewayGrid(GranaryClient client, Func<CancellationToken, Task<GranaryClient>>? refresh, IReadOnlyList<string> hubs, TimeProvider time)
    {
        _client = client;
        _refresh = refresh;
        Hubs = hubs;
        _time = time;
        Refreshed = time.GetUtcNow();
    }

    /// <summary>The client requests use now.</summary>
    public GranaryClient Client => _client;

    /// <summary>The hubs the client asks (for the welcome page's introducer statuses).</summary>
    public IReadOnlyList<string> Hubs { get; }

    /// <summary>When the grid was last found.</summary>
    public DateTimeOffset Refreshed { get; private set; }

    /// <summary>Why the last refresh failed, or null when it did not.</summary>
    public string? RefreshError => _refreshError;

    /// <summary>Starts refreshing in the background, logging failures to <paramref name="logger"/>.</summary>
    public void StartRefreshing(ILogger logger)
    {
        _logger = logger;
        if (_refresh is not null)
        {
            _refreshing = Task.Run(() => RefreshLoopAsync(_refresh, _stop.Token));
        }
    }

    private async Task RefreshLoopAsync(Func<CancellationToken, Task<GranaryClient>> refresh, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    _client = await refresh(cancellationToken).ConfigureAwait(false);
                    _refreshError = null;
                    Refreshed = _time.GetUtcNow();
                }
                catch (Exception e) when (e is GridUnavailableException or HttpRequestException or IOException)
                {
                    _refreshError = e.Message;
                    if (_logger is not null)
                    {
                        GatewayLog.RefreshFailed(_logger, e.Message);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _refreshing.ConfigureAwait(false);
        _stop.Dispose();
    }
}
