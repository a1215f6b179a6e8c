using System.Net.Http.Json;
using System.Text.Json;
using Granary.Core.Protocol;

namespace Granary.Client.Discovery;

/// <summary>What the hubs said: the storage servers they introduce, the encoding the first one that answered advises, and what went wrong.</summary>
public sealed record HubAnswers(IReadOnlyList<StorageUrl> Servers, EncodingAdvice? Advice, IReadOnlyList<string> Warnings);

/// <summary>
/// Asks hubs' introducers which storage servers they know, all at once. A hub that cannot be reached
/// costs a warning, not the command, as long as some server is known; the first hub that answers
/// gives the encoding advice.
/// </summary>
public static class HubDiscovery
{
    private static readonly TimeSpan HubTimeout = TimeSpan.FromSeconds(10);

    public static async Task<HubAnswers> AskAsync(IEnumerable<string> hubs, HttpClient http, CancellationToken cancellationToken)
    {
        var servers = new List<StorageUrl>();
        var warnings = new List<string>();
        EncodingAdvice? advice = null;
        var lists = await Task.WhenAll(hubs.Select(hub => AskAsync(hub, http, cancellationToken))).ConfigureAwait(false);
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

        return new HubAnswers([.. servers.DistinctBy(s => s.NodeId)], advice, warnings);
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
