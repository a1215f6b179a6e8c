namespace Granary.Gateway;

/// <summary>How a gateway serves: where it listens, who may use it, and how it stores uploads.</summary>
public sealed class GatewayOptions
{
    public const string DefaultUrl = "http://127.0.0.1:3456";

    /// <summary>The address to listen on; loopback unless <see cref="AllowRemote"/>.</summary>
    public Uri Url { get; init; } = new(DefaultUrl);

    /// <summary>Serve on a non-loopback address: anyone who can reach it can then use every cap they know.</summary>
    public bool AllowRemote { get; init; }

    /// <summary>When set, every request must carry it (<c>Authorization: Bearer …</c>, the <c>granary-token</c> cookie, or <c>?token=</c> once).</summary>
    public string? BearerToken { get; init; }

    /// <summary>
    /// Immutable uploads use convergent encryption (the same file, the same cap; spooled to a
    /// temporary file because the key needs a first pass). Off: a random key, streamed in one pass.
    /// A request may choose with <c>?convergence=true|false</c>.
    /// </summary>
    public bool Convergent { get; init; } = true;

    /// <summary>Where uploads are spooled; the system's temporary directory by default.</summary>
    public string? SpoolDirectory { get; init; }

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the first setting that makes no sense.</summary>
    public void Validate()
    {
        if (Url.Scheme != "http")
        {
            throw new InvalidOperationException($"the gateway serves http:// only (got {Url})");
        }

        if (!AllowRemote && !IsLoopback(Url.Host))
        {
            throw new InvalidOperationException($"refusing to listen on {Url.Host}: the gateway serves everyone who can reach it; give --allow-remote to mean it");
        }

        if (BearerToken is { Length: < 16 })
        {
            throw new InvalidOperationException("a bearer token needs at least 16 characters");
        }
    }

    private static bool IsLoopback(string host) =>
        host is "localhost" || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));
}
