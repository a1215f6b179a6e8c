using System.Globalization;
using System.Text;
using System.Text.Json;
using Granary.Core.Proofs;
using Granary.Hub.Dataserv;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Granary.Hub.Downstream;

/// <summary>
/// downstream-node 2694a77's routes as downstream-farmer 0.1.8 calls them (proofs-of-storage §2),
/// with the node's check order, status codes and texts. Where the node answered 500 for bad input
/// (a malformed address or signature, a non-string message) this answers 400 instead. Each proof
/// judged (valid, invalid, corrupted or too late) is reported to <c>challenged</c> with the farmer's
/// address: the keeper counts it toward the reputation of the storage node with the same key.
/// </summary>
internal sealed partial class DownstreamApi(
    DownstreamStore store, MerkleHeartbeat heartbeat, DownstreamOptions options, TimeProvider time, ILogger logger, Action<string, bool, string>? challenged = null)
{
    private const string NonexistentToken = "Nonexistent token.";
    private const int MaxMessageLength = 1024;
    private const int MaxAddressLength = 256;

    private readonly HashSet<string> _whitelist = new(options.Whitelist, StringComparer.Ordinal);

    public static DataservResponse Index(bool compact) => Json(200, Object(("msg", "ok")), compact);

    /// <summary><c>GET|POST /new/&lt;address&gt;</c>: a token for a farmer that proved it holds the address's key.</summary>
    public async Task<DataservResponse> NewTokenAsync(HttpContext context, string address, bool compact)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            return Error(400, "New token requests must include posted signature proving ownership of farming address", compact);
        }

        var (message, signature) = await SignedBodyAsync(context).ConfigureAwait(false);
        if (message is null || signature is null)
        {
            return Error(400, "Posted data must be JSON encoded object including \"signature\" and \"message\"", compact);
        }

        if (message.EnumerateRunes().Count() > MaxMessageLength)
        {
            return Error(400, "Please restrict your message to less than 1024 bytes.", compact);
        }

        if (signature.Length != FarmerSignature.Length)
        {
            return Error(400, "Your signature is the wrong length.  It should be 88bytes.", compact);
        }

        if (address.Length > MaxAddressLength || !FarmerSignature.Verify(message, signature, address))
        {
            return Error(400, "Signature invalid.", compact);
        }

        var ip = ClientIp(context);
        if (options.MaxTokensPerIp > 0 && await store.TokensAtAsync(ip, context.RequestAborted).ConfigureAwait(false) >= options.MaxTokensPerIp)
        {
            return IpDisallowed(compact);
        }

        // A verified signature implies a valid version-0 Base58Check address (the node's step 7).
        if (_whitelist.Count > 0 && !_whitelist.Contains(address))
        {
            return Error(400, "Invalid address given: address must be in whitelist.", compact);
        }

        var token = DownstreamToken.CreateRandom();
        await store.AddTokenAsync(token, address, ip, message, signature, time.Micros(), context.RequestAborted).ConfigureAwait(false);
        DownstreamLog.Registered(logger, token.FarmerId, address, ip);
        return TokenResponse(token.Token, compact);
    }

    /// <summary><c>GET /heartbeat/&lt;token&gt;</c>: the public heartbeat again.</summary>
    public async Task<DataservResponse> HeartbeatAsync(string token, bool compact, CancellationToken cancellationToken) =>
        await FindTokenAsync(token, cancellationToken).ConfigureAwait(false) is null
            ? Error(404, NonexistentToken, compact)
            : TokenResponse(token, compact);

    private DataservResponse TokenResponse(string token, bool compact) => Json(200, Object(
        ("token", token),
        ("type", "Merkle"),
        ("heartbeat", Object(("key", ""), ("check_fraction", new PyFloat((decimal)MerkleHeartbeat.NodeCheckFraction))))), compact);

    private Task<FarmerToken?> FindTokenAsync(string token, CancellationToken cancellationToken) =>
        DownstreamToken.TryParse(token, out _) ? store.FindTokenAsync(token, cancellationToken) : Task.FromResult<FarmerToken?>(null);

    /// <summary>
    /// The node's IP rule: a token used from a new IP is refused when that IP already holds the
    /// most tokens allowed; otherwise, with <paramref name="move"/>, the token now belongs to that IP.
    /// </summary>
    private async Task<bool> IpAllowedAsync(HttpContext context, FarmerToken token, bool move)
    {
        var ip = ClientIp(context);
        if (ip == token.Ip)
        {
            return true;
        }

        if (options.MaxTokensPerIp > 0 && await store.TokensAtAsync(ip, context.RequestAborted).ConfigureAwait(false) >= options.MaxTokensPerIp)
        {
            return false;
        }

        if (move)
        {
            await store.MoveTokenAsync(token.Id, ip, context.RequestAborted).ConfigureAwait(false);
        }

        return true;
    }

    private DataservResponse IpDisallowed(bool compact) =>
        Error(400, $"IP Disallowed, only {options.MaxTokensPerIp.ToString(CultureInfo.InvariantCulture)} tokens are permitted per IP address", compact);

    private static string ClientIp(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "";

    // Flask's get_json(): a JSON mimetype and a JSON object with both keys; the values must be text
    // (the node took len() of them and failed on anything else).
    private static async Task<(string? Message, string? Signature)> SignedBodyAsync(HttpContext context)
    {
        if (!IsJsonType(context.Request.ContentType))
        {
            return (null, null);
        }

        var body = await ReadBodyAsync(context, 64 * 1024).ConfigureAwait(false);
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                && root.TryGetProperty("signature", out var signature) && signature.ValueKind == JsonValueKind.String
                ? (message.GetString(), signature.GetString())
                : (null, null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static bool IsJsonType(string? contentType)
    {
        var mediaType = (contentType ?? "").Split(';')[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The raw body, up to <paramref name="limit"/> bytes (beyond it, 413); never decompressed.</summary>
    internal static async Task<byte[]> ReadBodyAsync(HttpContext context, long limit)
    {
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        return buffer.ToArray();
    }

    internal static DataservResponse Error(int status, string message, bool compact) =>
        Json(status, Object(("status", "error"), ("message", message)), compact);

    internal static DataservResponse Json(int status, PyValue value, bool compact) =>
        new(status, DataservResponse.JsonType, false, Encoding.UTF8.GetBytes(PythonJson.Dumps(value, indent: !compact)));

    internal static PyObject Object(params (string Key, PyValue Value)[] members) => new(members.ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal));
}
