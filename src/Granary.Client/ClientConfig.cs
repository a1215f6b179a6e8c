using System.Text.Json.Serialization;

namespace Granary.Client;

/// <summary>
/// A client's settings, kept in <c>client.json</c> in its client directory: how to encode files
/// and where the grid is.
/// </summary>
public sealed class ClientConfig
{
    public const string ConfigFormat = "granary-client";
    public const int ConfigVersion = 1;

    public string Format { get; set; } = ConfigFormat;

    public int Version { get; set; } = ConfigVersion;

    /// <summary>k: shares needed to read a file back.</summary>
    public int Needed { get; set; } = 3;

    /// <summary>Servers of happiness: an upload succeeds only when its shares sit on at least this many servers, any k of which can rebuild it.</summary>
    public int Happy { get; set; } = 7;

    /// <summary>n: shares made of each file.</summary>
    public int Total { get; set; } = 10;

    public int MaxSegmentSize { get; set; } = 1 << 20;

    /// <summary>Storage URLs of the grid's nodes (granary-storage://…).</summary>
    public List<string> Servers { get; set; } = [];

    /// <summary>Hubs whose introducers list more storage nodes (http URLs).</summary>
    public List<string> Hubs { get; set; } = [];

    /// <summary>DHT nodes (HOST:PORT) to join through to find storage nodes that publish themselves there.</summary>
    public List<string> DhtBootstrap { get; set; } = [];

    /// <summary>Use the encoding (needed, happy, total) the first reachable hub advises instead of the values above.</summary>
    public bool UseHubEncoding { get; set; } = true;

    /// <summary>After an immutable upload, ask every hub to keep the file (its verify cap only): lease, audit and repair it.</summary>
    public bool KeepWithHubs { get; set; } = true;

    /// <summary>A node that has not answered a request in this long is treated as failed for it.</summary>
    public int RequestTimeoutSeconds { get; set; } = 30;

    [JsonIgnore]
    public TimeSpan RequestTimeout => TimeSpan.FromSeconds(RequestTimeoutSeconds);

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the first setting that makes no sense.</summary>
    public void Validate()
    {
        if (Format != ConfigFormat || Version != ConfigVersion)
        {
            throw new InvalidOperationException($"client.json is format '{Format}' version {Version}; this Granary reads '{ConfigFormat}' version {ConfigVersion}.");
        }

        if (Needed < 1 || Total > 256 || Needed > Total)
        {
            throw new InvalidOperationException($"client.json: needed ({Needed}) and total ({Total}) must satisfy 1 <= needed <= total <= 256.");
        }

        if (Happy < Needed || Happy > Total)
        {
            throw new InvalidOperationException($"client.json: happy ({Happy}) must be between needed ({Needed}) and total ({Total}).");
        }

        foreach (var hub in Hubs)
        {
            if (!Uri.TryCreate(hub, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new InvalidOperationException($"client.json: hub '{hub}' is not an http(s) URL.");
            }
        }

        foreach (var seed in DhtBootstrap)
        {
            var colon = seed.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(seed[(colon + 1)..], out var port) || port is < 1 or > 65535)
            {
                throw new InvalidOperationException($"client.json: dhtBootstrap '{seed}' is not HOST:PORT.");
            }
        }

        if (MaxSegmentSize < 1 || RequestTimeoutSeconds < 1)
        {
            throw new InvalidOperationException("client.json: maxSegmentSize and requestTimeoutSeconds must be positive.");
        }
    }
}
