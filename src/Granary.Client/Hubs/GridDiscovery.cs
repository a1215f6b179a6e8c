using System.Net.Http.Json;
using System.Text.Json;
using Granary.Core.Protocol;

namespace Granary.Client.Hubs;

/// <summary>The storage servers a client can use, and the encoding its hubs advise.</summary>
public sealed record Discovery(IReadOnlyList<StorageUrl> Servers, EncodingAdvice? Advice, IReadOnlyList<string> Warnings);

/// <summary>
/// Finds the grid a client dir names: its static <c>servers</c> plus every storage server its
/// <c>hubs</c> currently introduce. A hub that cannot be reached costs a warning, not the command,
/// as long as some server is known; the first hub that answers gives the encoding advice.
/// </summary>
public static class GridDiscovery
{
    private static readonly TimeSpan HubTimeout = TimeSpan.FromSeconds(10);

    public static async Task<Discovery> DiscoverAsync(ClientConfig config, HttpClient http, CancellationToken cancellationToken)
    {
        var servers = config.Servers.Select(StorageUrl.Parse).ToList();
        var warnings = new List<string>();
        EncodingAdvice? advice = null;
        var lists = await Task.WhenAll(config.Hubs.Select(hub => AskAsync(hub, http, cancellationToken))).ConfigureAwait(false);
        foreach (var (hub, list, problem) in lists)
        {
            if (list is null)
            {
                warnings.Add($"hub {hub}: {problem}");
                continue;
            }

            advice ??= list.Encoding;
            foreach (var server in list.Servers)
            {
                if (StorageUrl.TryParse(server.StorageUrl, out var url, out var error))
                {
                    servers.Add(url!);
                }
                else
                {
                    warnings.Add($"hub {hub} introduced an unusable storage URL ({error})");
                }
            }
        }

        return new Discovery([.. servers.DistinctBy(s => s.NodeId)], advice, warnings);
    }

    private static async Task<(string Hub, ServerList? List, string Problem)> AskAsync(string hub, HttpClient http, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(HubTimeout);
        try
        {
            var uri = new Uri(new Uri(hub.EndsWith('/') ? hub : hub + "/"), IntroducerProtocol.ServersPath);
            using var response = await http.GetAsync(uri, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (hub, null, $"answered {(int)response.StatusCode} when asked for its servers");
            }

            var list = await response.Content.ReadFromJsonAsync<ServerList>(IntroducerProtocol.Json, deadline.Token).ConfigureAwait(false);
            return list is null ? (hub, null, "sent an empty server list") : (hub, list, "");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (hub, null, $"no answer within {HubTimeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or UriFormatException)
        {
            return (hub, null, e.Message);
        }
    }
}
