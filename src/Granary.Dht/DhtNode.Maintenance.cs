using System.Collections.Concurrent;
using System.Net;
using System.Net.NetworkInformation;
using Granary.Core.Identity;
using Granary.Dht.Records;
using Granary.Dht.Routing;

namespace Granary.Dht;

/// <summary>Whether others can reach a node at the address it listens on.</summary>
public enum Reachability
{
    /// <summary>No peer has said yet what address it sees this node at.</summary>
    Unknown,

    /// <summary>Peers see this node at an address it listens on: it is reachable from outside.</summary>
    Public,

    /// <summary>Peers see another address (a NAT rewrote it): others can reach it only through relays or after it contacts them.</summary>
    Private,
}

public sealed partial class DhtNode
{
    private const int MaxObservations = 32;

    private readonly ConcurrentDictionary<NodeId, Published> _published = new();
    private readonly ConcurrentDictionary<NodeId, IPEndPoint> _observed = new();

    /// <summary>The address most peers see this node at (from their answers to its pings), if any has said.</summary>
    public IPEndPoint? PublicEndPoint =>
        _observed.Values.GroupBy(e => e).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault();

    /// <summary>
    /// Public when peers see this node at its own port on one of its own addresses (no address
    /// translation between them), private when they see something else.
    /// </summary>
    public Reachability Reachability
    {
        get
        {
            if (PublicEndPoint is not { } seen)
            {
                return Reachability.Unknown;
            }

            return seen.Port == EndPoint.Port && LocalAddresses().Contains(seen.Address) ? Reachability.Public : Reachability.Private;
        }
    }

    /// <summary>Asks peers how they see this node (a ping each), then says what it learned.</summary>
    public async Task<Reachability> CheckReachabilityAsync(CancellationToken cancellationToken = default)
    {
        await Task.WhenAll(_table.Closest(Id, 5).Select(c => RequestAsync(c.EndPoint, c.Id, Wire.MessageKind.Ping, [], cancellationToken))).ConfigureAwait(false);
        return Reachability;
    }

    private void Observe(NodeId peer, IPEndPoint seenAs)
    {
        if (_observed.Count >= MaxObservations && !_observed.ContainsKey(peer))
        {
            _observed.TryRemove(_observed.Keys.First(), out _);
        }

        _observed[peer] = seenAs;
    }

    private HashSet<IPAddress> LocalAddresses()
    {
        var addresses = new HashSet<IPAddress> { EndPoint.Address, IPAddress.Loopback, IPAddress.IPv6Loopback };
        try
        {
            foreach (var address in NetworkInterface.GetAllNetworkInterfaces().SelectMany(i => i.GetIPProperties().UnicastAddresses))
            {
                addresses.Add(address.Address);
            }
        }
        catch (NetworkInformationException)
        {
        }

        return addresses;
    }

    // Refreshes buckets no lookup went through for an hour, and stores again what this node
    // published, so both survive churn without anyone having to ask.
    private async Task MaintainAsync()
    {
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, Math.Min(_options.BucketRefreshInterval.Ticks, _options.RepublishInterval.Ticks) / 6));
        var random = new Random();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, _time, _stop.Token).ConfigureAwait(false);
                foreach (var prefix in _table.StaleBuckets(_options.BucketRefreshInterval))
                {
                    await LookupAsync(Distance.RandomWithPrefix(Id, prefix, random), findValue: false, _stop.Token).ConfigureAwait(false);
                }

                var now = _time.GetUtcNow();
                foreach (var published in _published.Values.Where(p => now - p.At >= _options.RepublishInterval))
                {
                    await PutAsync(published.Record, _stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                DhtLog.MaintenanceFailed(_logger, e);
            }
        }
    }

    private sealed record Published(DhtRecord Record, DateTimeOffset At);
}
