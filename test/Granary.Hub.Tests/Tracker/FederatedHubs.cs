using System.Security.Cryptography;
using Granary.Hosting;
using Granary.Hub.Tracker;
using Granary.Hub.Tracker.Federation;
using Microsoft.AspNetCore.Builder;

namespace Granary.Hub.Tests.Tracker;

/// <summary>
/// Hubs with trackers on loopback, federated with each other over real HTTP on the real clock, each
/// on its own SQLite or PostgreSQL database; one can be stopped and started again on the same
/// directory, database and port, and every gossip request can go through a lossy handler.
/// </summary>
internal sealed class FederatedHubs : IAsyncDisposable
{
    private readonly List<Node> _nodes = [];

    public IReadOnlyList<Node> Nodes => _nodes;

    public Node this[int index] => _nodes[index];

    public static async Task<FederatedHubs> StartAsync(Backend backend, int count, Func<HttpMessageHandler, HttpMessageHandler>? gossip = null, Action<HubOptions>? configure = null)
    {
        var hubs = new FederatedHubs();
        for (var i = 0; i < count; i++)
        {
            var node = new Node($"t{i}", new TempDirectory("granary-federation"), await TestDatabase.CreateAsync(backend), gossip, configure);
            hubs._nodes.Add(node);
            await node.StartAsync();
        }

        return hubs;
    }

    /// <summary>Makes every hub a member of every other, each pair with its own random key.</summary>
    public async Task MeshAllAsync()
    {
        var members = _nodes.ToDictionary(n => n.Id, _ => new List<TrackerMember>());
        for (var i = 0; i < _nodes.Count; i++)
        {
            for (var j = i + 1; j < _nodes.Count; j++)
            {
                var key = RandomNumberGenerator.GetBytes(32);
                members[_nodes[i].Id].Add(new TrackerMember(_nodes[j].Id, _nodes[j].Id, _nodes[j].TrackerUrl, key, false));
                members[_nodes[j].Id].Add(new TrackerMember(_nodes[i].Id, _nodes[i].Id, _nodes[i].TrackerUrl, key, false));
            }
        }

        foreach (var node in _nodes)
        {
            await node.SetMembersAsync(members[node.Id]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    internal sealed class Node(string id, TempDirectory directory, TestDatabase database, Func<HttpMessageHandler, HttpMessageHandler>? gossip, Action<HubOptions>? configure) : IAsyncDisposable
    {
        private WebApplication? _app;
        private int _port;

        public string Id => id;

        public HubDirectory Hub { get; private set; } = null!;

        public TrackerService Tracker => HubHost.Tracker(_app ?? throw new InvalidOperationException($"{id} is stopped"))!;

        public Uri TrackerUrl => new($"http://127.0.0.1:{_port}/");

        public HttpClient Http { get; private set; } = new();

        public async Task StartAsync()
        {
            if (_port == 0)
            {
                var options = new HubOptions { Port = 0, Database = database.Url };
                options.Tracker.TrackerId = id;
                options.Tracker.RateLimitPerSecond = 0;
                configure?.Invoke(options);
                Hub = HubDirectory.Create(directory.Path, options);
            }

            _app = await HubHost.BuildAsync(
                Hub, new ServerHostOptions { Port = 0, Logging = _ => { } }, new TrackerHostOptions { Port = _port, GossipHandler = gossip, MembersPoll = TimeSpan.FromMilliseconds(200) });
            await _app.StartAsync();
            _port = Tracker.Url.Port;
            Http.Dispose();
            Http = new HttpClient { BaseAddress = TrackerUrl, Timeout = TimeSpan.FromMinutes(2) };
        }

        public async Task StopAsync()
        {
            if (_app is not null)
            {
                await _app.StopAsync();
                await _app.DisposeAsync();
                _app = null;
            }
        }

        public async Task SetMembersAsync(IEnumerable<TrackerMember> members)
        {
            TrackerMembers.Save(TrackerMembers.PathIn(directory.Path), members);
            if (_app is not null)
            {
                await Tracker.ReloadMembersAsync(CancellationToken.None);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            Http.Dispose();
            await database.DisposeAsync();
            directory.Dispose();
        }
    }
}

/// <summary>Drops a share of gossip requests before they are sent, and a share of answers after the member applied them.</summary>
internal sealed class LossyHandler(HttpMessageHandler inner, double lossBefore, double lossAfter, int seed) : DelegatingHandler(inner)
{
    private readonly Random _random = new(seed);
    private readonly Lock _lock = new();
    private long _dropped;

    public long Dropped => Interlocked.Read(ref _dropped);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        double before, after;
        lock (_lock)
        {
            (before, after) = (_random.NextDouble(), _random.NextDouble());
        }

        if (before < lossBefore)
        {
            Interlocked.Increment(ref _dropped);
            throw new HttpRequestException("injected loss: request dropped");
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (after < lossAfter)
        {
            Interlocked.Increment(ref _dropped);
            response.Dispose();
            throw new HttpRequestException("injected loss: answer dropped");
        }

        return response;
    }
}
