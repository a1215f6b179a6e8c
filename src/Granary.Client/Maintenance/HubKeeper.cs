using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Granary.Core.Caps;
using Granary.Core.Protocol;

namespace Granary.Client.Maintenance;

/// <summary>One hub's answer to a keeper request: what it said, or why it did not.</summary>
public sealed record HubKeeperAnswer<T>(Uri Hub, T? Value, string? Error)
    where T : class;

/// <summary>
/// Asks the client's hubs to keep files: a hub that keeps a file holds its own lease on every share,
/// audits the nodes that hold them and repairs the file when shares are lost. A hub is only ever given
/// the verify cap, which lets it check and re-make shares but not read the file. Every request is
/// signed with the client's keeper key (<see cref="ClientSecrets.KeeperKey"/>), which is how a hub
/// knows whose files it keeps and bounds how many.
/// </summary>
public sealed class HubKeeper
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    private readonly GranaryClient _client;
    private readonly HttpClient _http;

    internal HubKeeper(GranaryClient client, HttpClient http)
    {
        _client = client;
        _http = http;
    }

    /// <summary>The address hubs know this client by.</summary>
    public string ClientAddress => _client.Secrets.KeeperKey.Address.ToString();

    /// <summary>Asks every hub to keep the file whose cap this is (reduced to its verify cap first: see <see cref="VerifyCapOf"/>).</summary>
    public Task<IReadOnlyList<HubKeeperAnswer<KeptFileAnswer>>> KeepAsync(Cap cap, CancellationToken cancellationToken) =>
        AskAllAsync<KeptFileAnswer>(KeeperRequest.Keep, VerifyCapOf(cap), cancellationToken);

    /// <summary>
    /// Hands a file just made to every hub to keep, as <c>granary put</c> and <c>mkdir</c> do by default:
    /// nothing when the client names no hubs or the file lives in its cap; otherwise a warning for each
    /// hub that did not take it (the file is stored either way).
    /// </summary>
    public async Task<IReadOnlyList<string>> KeepNewAsync(Cap cap, CancellationToken cancellationToken)
    {
        if (_client.Hubs.Count == 0 || cap is LiteralCap or DirectoryCap { FileCap: LiteralCap })
        {
            return [];
        }

        var answers = await KeepAsync(cap, cancellationToken).ConfigureAwait(false);
        return [.. answers.Where(a => a.Error is not null).Select(a => $"hub {a.Hub} does not keep the file: {a.Error}")];
    }

    /// <summary>Asks every hub to stop keeping the file for this client.</summary>
    public async Task<IReadOnlyList<HubKeeperAnswer<string>>> ForgetAsync(Cap cap, CancellationToken cancellationToken)
    {
        var answers = await AskAllAsync<JsonElementBox>(KeeperRequest.Forget, VerifyCapOf(cap), cancellationToken).ConfigureAwait(false);
        return [.. answers.Select(a => new HubKeeperAnswer<string>(a.Hub, a.Error is null ? "forgotten" : null, a.Error))];
    }

    /// <summary>What each hub keeps for this client.</summary>
    public Task<IReadOnlyList<HubKeeperAnswer<KeptFileList>>> ListAsync(CancellationToken cancellationToken) =>
        AskAllAsync<KeptFileList>(KeeperRequest.List, null, cancellationToken);

    /// <summary>
    /// The verify cap a hub is given for <paramref name="cap"/>: a read or write cap reduced to it; for a
    /// directory, its own file's (a hub keeps the directory's storage, not the files it names).
    /// A literal cap, which holds its file, is an <see cref="ArgumentException"/> saying so.
    /// </summary>
    public static string VerifyCapOf(Cap cap) => cap switch
    {
        ChkReadCap read => read.VerifyCap.ToString(),
        ChkVerifyCap or MutableVerifyCap => cap.ToString(),
        MutableWriteCap write => write.VerifyCap.ToString(),
        MutableReadCap read => read.VerifyCap.ToString(),
        DirectoryCap { FileCap: LiteralCap } => throw new ArgumentException("a literal directory (URI:DIR2-LIT) lives in its cap: there is nothing for a hub to keep"),
        DirectoryCap directory => VerifyCapOf(directory.FileCap),
        LiteralCap => throw new ArgumentException("a literal file (URI:LIT) lives in its cap: there is nothing for a hub to keep"),
        _ => throw new ArgumentException($"a hub cannot keep a {cap?.GetType().Name} cap"),
    };

    private async Task<IReadOnlyList<HubKeeperAnswer<T>>> AskAllAsync<T>(string action, string? cap, CancellationToken cancellationToken)
        where T : class
    {
        if (_client.Hubs.Count == 0)
        {
            throw new InvalidOperationException("This client names no hubs: list hub URLs under \"hubs\" in client.json.");
        }

        return await Task.WhenAll(_client.Hubs.Select(hub => AskAsync<T>(hub, action, cap, cancellationToken))).ConfigureAwait(false);
    }

    private async Task<HubKeeperAnswer<T>> AskAsync<T>(Uri hub, string action, string? cap, CancellationToken cancellationToken)
        where T : class
    {
        var key = _client.Secrets.KeeperKey;
        var body = JsonSerializer.Serialize(new KeeperRequest(key.Address.ToString(), _client.Time.GetUtcNow().ToUnixTimeSeconds(), action, cap), KeeperRequest.Json);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(hub, KeeperRequest.Path)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(KeeperRequest.SignatureHeader, key.SignMessage(body));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(RequestTimeout);
        try
        {
            using var response = await _http.SendAsync(request, deadline.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return new HubKeeperAnswer<T>(hub, typeof(T) == typeof(JsonElementBox) ? (T)(object)JsonElementBox.Instance : await response.Content.ReadFromJsonAsync<T>(KeeperRequest.Json, deadline.Token).ConfigureAwait(false), null);
            }

            var text = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
            string error;
            try
            {
                error = JsonDocument.Parse(text).RootElement.GetProperty("error").GetString() ?? text;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                error = text.Length > 200 ? text[..200] : text;
            }

            return new HubKeeperAnswer<T>(hub, null, $"{(int)response.StatusCode}: {error}");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or NotSupportedException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new HubKeeperAnswer<T>(hub, null, e is OperationCanceledException ? $"no answer within {RequestTimeout.TotalSeconds:0} s" : e.Message);
        }
    }

    // The forget answer carries nothing the caller needs.
    private sealed class JsonElementBox
    {
        public static readonly JsonElementBox Instance = new();
    }
}
