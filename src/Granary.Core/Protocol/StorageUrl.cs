using System.Globalization;
using Granary.Core.Formats;
using Granary.Core.Identity;

namespace Granary.Core.Protocol;

/// <summary>
/// Where a storage node is and how to talk to it: <c>granary-storage://&lt;node id&gt;@&lt;host&gt;:&lt;port&gt;/&lt;secret&gt;</c>,
/// with the node id as 40 hex digits, an IPv6 host in brackets, and the node's 32-byte storage secret
/// in base32. Holding the URL is holding the right to use the node, so it is a secret too.
/// </summary>
public sealed class StorageUrl : IEquatable<StorageUrl>
{
    public const string Scheme = "granary-storage";
    public const int SecretSize = 32;

    private readonly byte[] _secret;

    public StorageUrl(NodeId nodeId, string host, int port, ReadOnlySpan<byte> secret)
    {
        if (secret.Length != SecretSize)
        {
            throw new ArgumentException($"A storage secret is {SecretSize} bytes.", nameof(secret));
        }

        if (port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(port), "A port is between 1 and 65535.");
        }

        NodeId = nodeId;
        Host = host;
        Port = port;
        _secret = secret.ToArray();
    }

    public NodeId NodeId { get; }

    public string Host { get; }

    public int Port { get; }

    public ReadOnlySpan<byte> Secret => _secret;

    /// <summary>The value of the <c>Authorization</c> header this node expects.</summary>
    public string AuthorizationHeader => $"{StorageProtocol.AuthorizationScheme} {Base32.Encode(_secret)}";

    /// <summary>The HTTP base address, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseAddress => new($"http://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port.ToString(CultureInfo.InvariantCulture)}/");

    public static bool TryParse(string text, out StorageUrl? url, out string error)
    {
        url = null;
        text = text.Trim();
        var prefix = Scheme + "://";
        if (!text.StartsWith(prefix, StringComparison.Ordinal))
        {
            error = $"a storage URL starts with '{prefix}'";
            return false;
        }

        var rest = text[prefix.Length..];
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        var slash = rest.LastIndexOf('/');
        if (at < 0 || slash < at)
        {
            error = "a storage URL has the form granary-storage://NODEID@HOST:PORT/SECRET";
            return false;
        }

        var idText = rest[..at];
        if (idText.Length != 2 * NodeId.Size || !idText.All(char.IsAsciiHexDigit))
        {
            error = $"the node id '{Cap(idText)}' is not 40 hex digits";
            return false;
        }

        var endpoint = rest[(at + 1)..slash];
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0)
        {
            error = $"'{Cap(endpoint)}' lacks a port (HOST:PORT)";
            return false;
        }

        var host = endpoint[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        if (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || c is '/' or '@' or '?' or '#'))
        {
            error = $"'{Cap(host)}' is not a host name or address";
            return false;
        }

        if (!int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = $"the port '{Cap(endpoint[(colon + 1)..])}' is not a number between 1 and 65535";
            return false;
        }

        var secretText = rest[(slash + 1)..];
        if (!Base32.TryDecode(secretText, out var secret, out var secretError) || secret.Length != SecretSize)
        {
            error = secret.Length != SecretSize && secretError.Length == 0
                ? $"the secret is {secret.Length} bytes, not {SecretSize}"
                : $"the secret is not base32 ({secretError})";
            return false;
        }

        url = new StorageUrl(new NodeId(Convert.FromHexString(idText)), host, port, secret);
        error = "";
        return true;
    }

    public static StorageUrl Parse(string text) =>
        TryParse(text, out var url, out var error) ? url! : throw new FormatException($"Invalid storage URL: {error}.");

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Scheme}://{NodeId}@{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}/{Base32.Encode(_secret)}");

    public bool Equals(StorageUrl? other) => other is not null && ToString() == other.ToString();

    public override bool Equals(object? obj) => Equals(obj as StorageUrl);

    public override int GetHashCode() => NodeId.GetHashCode();

    private static string Cap(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
