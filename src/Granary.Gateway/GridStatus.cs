using System.Text.Json.Nodes;
using Granary.Client.Storage;

namespace Granary.Gateway;

/// <summary>One storage server as the welcome page shows it (never its storage URL: that holds its secret).</summary>
public sealed record ServerStatus(string NodeId, string Address, bool Connected, string Status, long? AvailableSpace, string? Version, DateTimeOffset? LastReceived);

/// <summary>
/// What the welcome page reports: every server the client knows, asked for its version now (at most
/// once every few seconds, however often the page is fetched), and each hub's status.
/// </summary>
internal sealed class GridStatus(GatewayGrid grid, TimeProvider time)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Reuse = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _probing = new(1, 1);
    private (DateTimeOffset At, IReadOnlyList<ServerStatus> Servers)? _last;

    public async Task<IReadOnlyList<ServerStatus>> ServersAsync(CancellationToken cancellationToken)
    {
        await _probing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_last is { } last && time.GetUtcNow() - last.At < Reuse)
            {
                return last.Servers;
            }

            var servers = await Task.WhenAll(grid.Client.Grid.Servers.Select(s => ProbeAsync(s, cancellationToken))).ConfigureAwait(false);
            _last = (time.GetUtcNow(), servers);
            return servers;
        }
        finally
        {
            _probing.Release();
        }
    }

    /// <summary>One line per hub, as Tahoe's <c>introducers.statuses</c>.</summary>
    public IReadOnlyList<string> HubStatuses()
    {
        var warnings = grid.Client.Warnings;
        return [.. grid.Hubs.Select(hub =>
            warnings.FirstOrDefault(w => w.Contains(hub, StringComparison.Ordinal)) is { } trouble
                ? $"Not connected to {hub}: {trouble}"
                : $"Connected to {hub} (servers last found {grid.Refreshed.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC)")];
    }

    /// <summary><c>GET /?t=json</c>: exactly the keys Tahoe 1.20's root gives.</summary>
    public async Task<JsonObject> ToJsonAsync(CancellationToken cancellationToken)
    {
        var servers = await ServersAsync(cancellationToken).ConfigureAwait(false);
        return new JsonObject
        {
            ["introducers"] = new JsonObject { ["statuses"] = new JsonArray([.. HubStatuses().Select(s => (JsonNode)s)]) },
            ["servers"] = new JsonArray([.. servers.Select(s => (JsonNode)new JsonObject
            {
                ["nodeid"] = s.NodeId,
                ["connection_status"] = s.Status,
                ["available_space"] = s.AvailableSpace,
                ["nickname"] = s.Address,
                ["version"] = s.Version,
                ["last_received_data"] = s.LastReceived is { } at ? at.ToUnixTimeMilliseconds() / 1000.0 : null,
            })]),
        };
    }

    private async Task<ServerStatus> ProbeAsync(StorageClient server, CancellationToken cancellationToken)
    {
        var url = server.Url;
        var address = $"{url.Host}:{url.Port}";
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Deadline);
        try
        {
            var version = await server.GetVersionAsync(deadline.Token).ConfigureAwait(false);
            return new ServerStatus(url.NodeId.ToString(), address, true, $"Connected to {address}", version.AvailableSpace, version.ApplicationVersion, time.GetUtcNow());
        }
        catch (Exception e) when (e is StorageException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var reason = e is OperationCanceledException ? $"no answer within {Deadline.TotalSeconds:0} s" : e.Message;
            return new ServerStatus(url.NodeId.ToString(), address, false, $"Not connected to {address}: {reason}", null, null, null);
        }
    }
}
