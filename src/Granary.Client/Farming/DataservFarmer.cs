using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Granary.Core.Identity;
using Granary.Core.Protocol;

namespace Granary.Client.Farming;

/// <summary>
/// The calls dataserv-client 2.1.4 makes to a hub around a build (dataserv-api §12): register the
/// farmer's key address with its payout address (409, already registered, is fine), then set the
/// height, each signed as storjcore signs (<see cref="DataservAuthentication"/>).
/// </summary>
public sealed class DataservFarmer(HttpClient http, Uri hub, PrivateKey key, TimeProvider time)
{
    private readonly Uri _hub = hub.AbsoluteUri.EndsWith('/') ? hub : new Uri(hub.AbsoluteUri + "/");
    private string? _hubAddress;

    public Uri Hub => _hub;

    /// <summary>The farmer's own address: the key's (dataserv-client's auth address).</summary>
    public string Address { get; } = key.Address.ToString();

    public async Task RegisterAsync(string payoutAddress, CancellationToken cancellationToken = default)
    {
        using var response = await SignedGetAsync($"api/register/{Address}/{payoutAddress}", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Conflict)
        {
            await EnsureAsync(response, "registering", cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task SetHeightAsync(long height, CancellationToken cancellationToken = default)
    {
        using var response = await SignedGetAsync($"api/height/{Address}/{height.ToString(CultureInfo.InvariantCulture)}", cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, $"setting height {height}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Has the hub audit the height this farmer claims (<see cref="HeightAuditProtocol"/>): asks for the
    /// open challenge, answers it from <paramref name="store"/>'s shards and returns the hub's verdict.
    /// A shard the challenge picks that is missing from the store is answered as missing, and fails.
    /// </summary>
    public async Task<HeightVerdictMessage> AuditHeightAsync(HeightStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var path = $"{HeightAuditProtocol.Path}/{Address}";
        HeightChallengeMessage challenge;
        using (var asked = await SignedSendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false))
        {
            await EnsureAsync(asked, "asking for a height challenge", cancellationToken).ConfigureAwait(false);
            challenge = await asked.Content.ReadFromJsonAsync<HeightChallengeMessage>(HeightAuditProtocol.Json, cancellationToken).ConfigureAwait(false)
                ?? throw new HttpRequestException($"hub {_hub} sent an empty height challenge");
        }

        var text = System.Text.Encoding.UTF8.GetBytes(challenge.Challenge);
        var answers = challenge.Shards.Select(shard =>
        {
            try
            {
                return new HeightShardAnswer(shard, store.AnswerShard(text, shard));
            }
            catch (FileNotFoundException)
            {
                return new HeightShardAnswer(shard, "missing");
            }
        }).ToList();
        using var answered = await SignedSendAsync(
            HttpMethod.Post, path, JsonContent.Create(new HeightAnswerMessage(challenge.Challenge, answers), options: HeightAuditProtocol.Json), cancellationToken).ConfigureAwait(false);
        await EnsureAsync(answered, "answering the height challenge", cancellationToken).ConfigureAwait(false);
        return await answered.Content.ReadFromJsonAsync<HeightVerdictMessage>(HeightAuditProtocol.Json, cancellationToken).ConfigureAwait(false)
            ?? throw new HttpRequestException($"hub {_hub} sent an empty verdict");
    }

    private Task<HttpResponseMessage> SignedGetAsync(string path, CancellationToken cancellationToken) => SignedSendAsync(HttpMethod.Get, path, null, cancellationToken);

    private async Task<HttpResponseMessage> SignedSendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        _hubAddress ??= await HubAddressAsync(cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(method, new Uri(_hub, path)) { Content = content };
        var (date, authorization) = DataservAuthentication.Headers(key, _hubAddress, time.GetUtcNow());
        request.Headers.TryAddWithoutValidation("Date", date);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> HubAddressAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(_hub, "api/address"), cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, "asking for its address", cancellationToken).ConfigureAwait(false);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
        return json.ValueKind == JsonValueKind.Object && json.TryGetProperty("address", out var address) && address.GetString() is { Length: > 0 } text
            ? text
            : throw new HttpRequestException($"hub {_hub} names no address at /api/address");
    }

    private async Task EnsureAsync(HttpResponseMessage response, string doing, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpRequestException($"hub {_hub} answered {doing} with {(int)response.StatusCode}: {(body.Length > 200 ? body[..200] + "…" : body.Trim())}", null, response.StatusCode);
        }
    }
}
