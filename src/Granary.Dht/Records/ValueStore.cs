using System.Net;
using Granary.Core.Identity;

namespace Granary.Dht.Records;

/// <summary>Why a store was refused.</summary>
internal enum StoreOutcome : byte
{
    Stored = 0,
    Stale = 1,
    Full = 2,
}

/// <summary>
/// The values a node holds for the network: bounded in count overall and per source address, each
/// dropped when not stored again within its lifetime.
/// </summary>
internal sealed class ValueStore(DhtOptions options, TimeProvider time)
{
    private readonly Dictionary<NodeId, Entry> _entries = [];
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public StoreOutcome Put(DhtRecord record, IPAddress source)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_entries.TryGetValue(record.Key, out var existing))
            {
                if (!record.Supersedes(existing.Record))
                {
                    return StoreOutcome.Stale;
                }

                _entries[record.Key] = existing with { Record = record, Expires = now + options.ValueLifetime };
                return StoreOutcome.Stored;
            }

            if (IsFullLocked(source))
            {
                ExpireLocked(now);
                if (IsFullLocked(source))
                {
                    return StoreOutcome.Full;
                }
            }

            _entries[record.Key] = new Entry(record, source, now + options.ValueLifetime);
            _perAddress[source] = _perAddress.GetValueOrDefault(source) + 1;
            return StoreOutcome.Stored;
        }
    }

    public DhtRecord? Get(NodeId key)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            return _entries.TryGetValue(key, out var entry) && entry.Expires > now ? entry.Record : null;
        }
    }

    private bool IsFullLocked(IPAddress source) =>
        _entries.Count >= options.MaxStoredValues || _perAddress.GetValueOrDefault(source) >= options.MaxStoredValuesPerAddress;

    private void ExpireLocked(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries.Where(e => e.Value.Expires <= now).ToList())
        {
            _entries.Remove(key);
            if (--_perAddress[entry.Source] == 0)
            {
                _perAddress.Remove(entry.Source);
            }
        }
    }

    private sealed record Entry(DhtRecord Record, IPAddress Source, DateTimeOffset Expires);
}
