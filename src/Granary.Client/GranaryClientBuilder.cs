using System.Net;
using Granary.Client.Discovery;
using Granary.Client.Storage;
using Granary.Core.Protocol;
using Granary.Dht.Transport;
using Microsoft.Extensions.Logging;

namespace Granary.Client;

/// <summary>
/// Assembles a <see cref="GranaryClient"/>: where its servers come from (static storage URLs, hubs'
/// introducers, the DHT), its settings and secrets, HTTP, clock and logging. A client directory
/// supplies all of them at once; each can be set or replaced afterwards. <see cref="BuildAsync"/>
/// finds the servers once, so the client it returns is fixed.
/// </summary>
public sealed class GranaryClientBuilder
{
    private static readonly Lazy<HttpClient> SharedHttp = new(StorageClient.CreateHttpClient);

    private readonly List<StorageUrl> _servers = [];
    private readonly List<string> _hubs = [];
    private readonly List<string> _dhtSeeds = [];
    private ClientSettings _settings = new();
    private ClientSecrets? _secrets;
    private bool _followHubEncoding;
    private HttpClient? _http;
    private TimeProvider _time = TimeProvider.System;
    private ILoggerFactory? _loggers;
    private string _origin = "the client's settings";

    /// <summary>A builder with everything a client directory says: its servers, hubs, DHT seeds, settings and secrets.</summary>
    public static GranaryClientBuilder FromDirectory(ClientDirectory directory)
    {
        var config = directory.Config;
        var builder = new GranaryClientBuilder
        {
            _settings = ClientSettings.From(config),
            _secrets = directory.Secrets,
            _followHubEncoding = config.UseHubEncoding,
            _origin = Path.Combine(directory.Path, ClientDirectory.ConfigFile),
        };
        builder._servers.AddRange(config.Servers.Select(StorageUrl.Parse));
        builder._hubs.AddRange(config.Hubs);
        builder._dhtSeeds.AddRange(config.DhtBootstrap);
        return builder;
    }

    /// <summary>Whether any source of servers is configured at all.</summary>
    public bool HasServerSources => _servers.Count > 0 || _hubs.Count > 0 || _dhtSeeds.Count > 0;

    public GranaryClientBuilder WithServers(IEnumerable<StorageUrl> servers)
    {
        _servers.AddRange(servers);
        return this;
    }

    public GranaryClientBuilder WithHubs(IEnumerable<string> hubs, bool followEncodingAdvice = false)
    {
        _hubs.AddRange(hubs);
        _followHubEncoding |= followEncodingAdvice;
        return this;
    }

    /// <summary>DHT nodes (<c>HOST:PORT</c>) to find storage nodes through.</summary>
    public GranaryClientBuilder WithDhtBootstrap(IEnumerable<string> seeds)
    {
        _dhtSeeds.AddRange(seeds);
        return this;
    }

    public GranaryClientBuilder WithSettings(ClientSettings settings)
    {
        _settings = settings;
        return this;
    }

    public GranaryClientBuilder WithSecrets(ClientSecrets secrets)
    {
        _secrets = secrets;
        return this;
    }

    public GranaryClientBuilder WithHttpClient(HttpClient http)
    {
        _http = http;
        return this;
    }

    public GranaryClientBuilder WithTime(TimeProvider time)
    {
        _time = time;
        return this;
    }

    public GranaryClientBuilder WithLogging(ILoggerFactory loggers)
    {
        _loggers = loggers;
        return this;
    }

    /// <summary>A client that talks to no server: enough for literal caps, which hold their file.</summary>
    public GranaryClient BuildOffline() => Client([], []);

    /// <summary>
    /// Finds the grid — the static servers, every server the hubs introduce, every storage node
    /// published in the DHT — and returns the client. Trouble with one source is a warning on the
    /// client; no source at all, or no server found, is a <see cref="GridUnavailableException"/>.
    /// </summary>
    public async Task<GranaryClient> BuildAsync(CancellationToken cancellationToken)
    {
        if (!HasServerSources)
        {
            throw new GridUnavailableException(
                $"no storage servers, hubs or DHT nodes are configured in {_origin}: list hub URLs under \"hubs\", storage URLs under \"servers\" or DHT nodes under \"dhtBootstrap\", or use the client directory 'granary grid up' writes");
        }

        var http = _http ?? SharedHttp.Value;
        var servers = new List<StorageUrl>(_servers);
        var warnings = new List<string>();
        if (_hubs.Count > 0)
        {
            var answers = await HubDiscovery.AskAsync(_hubs, http, cancellationToken).ConfigureAwait(false);
            servers.AddRange(answers.Servers);
            warnings.AddRange(answers.Warnings);
            if (_followHubEncoding)
            {
                _settings = _settings.Following(answers.Advice);
            }
        }

        if (_dhtSeeds.Count > 0)
        {
            var seeds = new List<IPEndPoint>();
            foreach (var seed in _dhtSeeds)
            {
                try
                {
                    seeds.Add(DhtSeed.Parse(seed));
                }
                catch (FormatException e)
                {
                    warnings.Add($"DHT node {seed}: {e.Message}");
                }
            }

            var published = seeds.Count == 0 ? [] : await DhtDiscovery.FindStorageNodesAsync(seeds, cancellationToken).ConfigureAwait(false);
            if (published.Count == 0)
            {
                warnings.Add($"the DHT through {string.Join(", ", _dhtSeeds)} holds no storage node");
            }

            servers.AddRange(published);
        }

        if (servers.Count == 0)
        {
            throw new GridUnavailableException($"no storage servers found: the hubs and DHT nodes in {_origin} introduced none", warnings);
        }

        return Client(servers, warnings);
    }

    private GranaryClient Client(IEnumerable<StorageUrl> servers, IReadOnlyList<string> warnings)
    {
        var secrets = _secrets ?? new ClientSecrets(
            () => throw new InvalidOperationException("This client was built without a convergence secret."),
            () => throw new InvalidOperationException("This client was built without a lease secret."));
        var http = _http ?? SharedHttp.Value;
        var hubs = _hubs.Select(h => Uri.TryCreate(h, UriKind.Absolute, out var uri) ? uri : null).OfType<Uri>().ToList();
        return new GranaryClient(_settings, secrets, new StorageGrid(servers, http, _settings.Timeout), _time, _loggers, warnings, hubs, http);
    }
}

/// <summary>No storage server could be found for a client: nothing configured, or nothing answered (<see cref="Warnings"/> say what each source said).</summary>
public sealed class GridUnavailableException : IOException
{
    public GridUnavailableException()
    {
    }

    public GridUnavailableException(string message)
        : base(message)
    {
    }

    public GridUnavailableException(string message, IReadOnlyList<string> warnings)
        : base(message) => Warnings = warnings;

    public GridUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>What went wrong with each source of servers.</summary>
    public IReadOnlyList<string> Warnings { get; } = [];
}
