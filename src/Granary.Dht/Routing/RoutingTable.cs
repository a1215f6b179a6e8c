using Granary.Core.Identity;

namespace Granary.Dht.Routing;

/// <summary>
/// Kademlia's routing table: bucket i holds up to k contacts whose ids share exactly i leading bits
/// with this node's, least recently seen first, and keeps up to k more in a replacement cache.
/// </summary>
/// <remarks>
/// Guarantees: a contact is added only when the node has heard from it at an address it verified
/// (a response to its own request, or a request carrying this node's address token), so forged
/// source addresses cannot fill the table. Long-lived contacts are preferred, as Kademlia
/// prescribes: a full bucket keeps its members and queues newcomers as replacements, asking the
/// caller to ping the least recently seen member; a member that fails twice in a row, or once when
/// a replacement waits, gives way to the newest replacement. Does not: split buckets (the fixed 160
/// buckets hold the same contacts a splitting table would for every bucket that matters).
/// </remarks>
internal sealed class RoutingTable(NodeId self, int k, TimeProvider time)
{
    private const int MaxFailures = 2;
    // Made on first use: most of a table's 160 buckets stay empty, and a simulation holds thousands of tables.
    private readonly Bucket?[] _buckets = new Bucket?[NodeId.Size * 8];
    private readonly Lock _lock = new();

    public NodeId Self => self;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _buckets.Sum(b => b?.Live.Count ?? 0);
            }
        }
    }

    /// <summary>
    /// Records that <paramref name="contact"/> was heard from. Returns the member to ping when its
    /// bucket is full and the newcomer waits as a replacement, else null.
    /// </summary>
    public Contact? Seen(Contact contact)
    {
        if (contact.Id == self)
        {
            return null;
        }

        lock (_lock)
        {
            var bucket = BucketOf(contact.Id);
            var index = bucket.Live.FindIndex(e => e.Contact.Id == contact.Id);
            if (index >= 0)
            {
                bucket.Live.RemoveAt(index);
                bucket.Live.Add(new Entry(contact, 0));
                return null;
            }

            if (bucket.Live.Count < k)
            {
                bucket.Live.Add(new Entry(contact, 0));
                bucket.Replacements.RemoveAll(c => c.Id == contact.Id);
                return null;
            }

            bucket.Replacements.RemoveAll(c => c.Id == contact.Id);
            bucket.Replacements.Add(contact);
            if (bucket.Replacements.Count > k)
            {
                bucket.Replacements.RemoveAt(0);
            }

            return bucket.Live[0].Contact;
        }
    }

    /// <summary>Records that a request to <paramref name="id"/> went unanswered.</summary>
    public void Failed(NodeId id)
    {
        lock (_lock)
        {
            var bucket = BucketOf(id);
            var index = bucket.Live.FindIndex(e => e.Contact.Id == id);
            if (index < 0)
            {
                bucket.Replacements.RemoveAll(c => c.Id == id);
                return;
            }

            var entry = bucket.Live[index] with { Failures = bucket.Live[index].Failures + 1 };
            if (entry.Failures < MaxFailures && bucket.Replacements.Count == 0)
            {
                bucket.Live[index] = entry;
                return;
            }

            bucket.Live.RemoveAt(index);
            if (bucket.Replacements.Count > 0)
            {
                var newest = bucket.Replacements[^1];
                bucket.Replacements.RemoveAt(bucket.Replacements.Count - 1);
                bucket.Live.Add(new Entry(newest, 0));
            }
        }
    }

    public Contact? Find(NodeId id)
    {
        lock (_lock)
        {
            return BucketOf(id).Live.Find(e => e.Contact.Id == id)?.Contact;
        }
    }

    /// <summary>The <paramref name="count"/> known contacts closest to <paramref name="target"/>, closest first.</summary>
    public List<Contact> Closest(NodeId target, int count)
    {
        var all = new List<Contact>();
        lock (_lock)
        {
            foreach (var bucket in _buckets)
            {
                if (bucket is null)
                {
                    continue;
                }

                foreach (var entry in bucket.Live)
                {
                    all.Add(entry.Contact);
                }
            }
        }

        all.Sort((a, b) => Distance.Compare(target, a.Id, b.Id));
        return all.Count > count ? all.GetRange(0, count) : all;
    }

    public List<Contact> All()
    {
        lock (_lock)
        {
            return [.. _buckets.SelectMany(b => b?.Live.Select(e => e.Contact) ?? [])];
        }
    }

    /// <summary>Notes that a lookup went into <paramref name="id"/>'s bucket, which counts as refreshing it.</summary>
    public void Touch(NodeId id)
    {
        if (id == self)
        {
            return;
        }

        lock (_lock)
        {
            BucketOf(id).Touched = time.GetUtcNow();
        }
    }

    /// <summary>Buckets, as shared-prefix lengths, that hold contacts but saw no lookup for <paramref name="age"/>.</summary>
    public List<int> StaleBuckets(TimeSpan age)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            return [.. Enumerable.Range(0, _buckets.Length).Where(i => _buckets[i] is { Live.Count: > 0 } bucket && now - bucket.Touched > age)];
        }
    }

    private Bucket BucketOf(NodeId id)
    {
        var index = Math.Min(Distance.CommonPrefixLength(self, id), _buckets.Length - 1);
        return _buckets[index] ??= new Bucket { Touched = time.GetUtcNow() };
    }

    private sealed class Bucket
    {
        public List<Entry> Live { get; } = [];

        public List<Contact> Replacements { get; } = [];

        public DateTimeOffset Touched { get; set; }
    }

    private sealed record Entry(Contact Contact, int Failures);
}
