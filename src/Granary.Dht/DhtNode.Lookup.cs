using Granary.Core.Identity;
using Granary.Dht.Records;
using Granary.Dht.Routing;
using Granary.Dht.Wire;

namespace Granary.Dht;

/// <summary>What a lookup found: the closest nodes that answered, a value if one was sought and found, and what it cost.</summary>
/// <param name="Hops">How many steps from this node's own table the answer lay (1: a node it already knew).</param>
/// <param name="Requests">Requests sent, answered or not.</param>
public sealed record LookupResult(IReadOnlyList<Contact> Closest, DhtRecord? Record, int Hops, int Requests);

public sealed partial class DhtNode
{
    /// <summary>The k nodes closest to <paramref name="target"/> that answered.</summary>
    public async Task<IReadOnlyList<Contact>> FindNodeAsync(NodeId target, CancellationToken cancellationToken = default) =>
        (await LookupAsync(target, findValue: false, cancellationToken).ConfigureAwait(false)).Closest;

    /// <summary>
    /// Stores <paramref name="record"/> on the k nodes closest to its key (and here), and keeps
    /// republishing it while this node runs. Returns how many other nodes took it.
    /// </summary>
    public async Task<int> PutAsync(DhtRecord record, CancellationToken cancellationToken = default)
    {
        _store.Put(record, EndPoint.Address);
        _published[record.Key] = new Published(record, _time.GetUtcNow());
        var lookup = await LookupAsync(record.Key, findValue: false, cancellationToken).ConfigureAwait(false);
        var writer = new WireWriter();
        record.Write(writer);
        var payload = writer.ToArray();
        var answers = await Task.WhenAll(lookup.Closest.Select(c => RequestAsync(c.EndPoint, c.Id, MessageKind.Store, payload, cancellationToken))).ConfigureAwait(false);
        return answers.Count(a => a is { Kind: MessageKind.Stored, Payload: [(byte)StoreOutcome.Stored] });
    }

    /// <summary>
    /// The record stored under <paramref name="key"/>: an immutable one held here, else what the
    /// network has (for a mutable one, the highest sequence number found, here or there), or null.
    /// </summary>
    public async Task<DhtRecord?> GetAsync(NodeId key, CancellationToken cancellationToken = default)
    {
        var local = _store.Get(key);
        if (local is { IsMutable: false })
        {
            return local;
        }

        var found = (await LookupAsync(key, findValue: true, cancellationToken).ConfigureAwait(false)).Record;
        return local is not null && (found is null || local.Sequence > found.Sequence) ? local : found;
    }

    /// <summary>
    /// Kademlia's iterative lookup: ask the α closest known nodes, learn closer ones from their
    /// answers, and go on until the k closest known have all answered or failed. Looking for a
    /// value, it stops at the first immutable one; for a mutable one it stops asking new nodes and
    /// keeps the highest sequence number among the answers still coming in. Asks the network
    /// only, never this node's own store.
    /// </summary>
    public async Task<LookupResult> LookupAsync(NodeId target, bool findValue, CancellationToken cancellationToken = default)
    {
        var candidates = new List<Candidate>();
        var known = new HashSet<NodeId> { Id };
        foreach (var contact in _table.Closest(target, _options.K))
        {
            known.Add(contact.Id);
            candidates.Add(new Candidate(contact, 1));
        }

        var inFlight = new Dictionary<Task<Envelope?>, Candidate>();
        var kind = findValue ? MessageKind.FindValue : MessageKind.FindNode;
        var payload = Payloads.Id(target);
        DhtRecord? found = null;
        var foundHops = 0;
        var requests = 0;
        while (true)
        {
            while (found is null && inFlight.Count < _options.Alpha && NextToAsk(candidates) is { } next)
            {
                next.State = CandidateState.Asked;
                inFlight[RequestAsync(next.Contact.EndPoint, next.Contact.Id, kind, payload, cancellationToken)] = next;
                requests++;
            }

            if (inFlight.Count == 0)
            {
                break;
            }

            var done = await Task.WhenAny(inFlight.Keys).ConfigureAwait(false);
            var asked = inFlight[done];
            inFlight.Remove(done);
            if (await done.ConfigureAwait(false) is not { } answer)
            {
                asked.State = CandidateState.Failed;
                continue;
            }

            asked.State = CandidateState.Answered;
            if (answer.Kind == MessageKind.Value)
            {
                var reader = new WireReader(answer.Payload);
                if (DhtRecord.TryRead(ref reader, out var record) && reader.Remaining == 0 && record!.Key == target
                    && (found is null || record.Sequence > found.Sequence))
                {
                    (found, foundHops) = (record, asked.Hops);
                    if (!record.IsMutable)
                    {
                        break;
                    }
                }
            }
            else if (Payloads.TryReadContacts(answer.Payload, out var contacts))
            {
                foreach (var contact in contacts.Where(c => known.Add(c.Id)))
                {
                    Insert(candidates, new Candidate(contact, asked.Hops + 1), target);
                }
            }
        }

        _table.Touch(target);

        var closest = candidates.Where(c => c.State == CandidateState.Answered).Take(_options.K).ToList();
        var hops = found is not null ? foundHops : closest.Count > 0 ? closest[0].Hops : 0;
        return new LookupResult([.. closest.Select(c => c.Contact)], found, hops, requests);
    }

    // The closest candidate not yet asked, among the k closest that have not failed.
    private Candidate? NextToAsk(List<Candidate> candidates)
    {
        var considered = 0;
        foreach (var candidate in candidates)
        {
            if (candidate.State == CandidateState.Failed)
            {
                continue;
            }

            if (++considered > _options.K)
            {
                return null;
            }

            if (candidate.State == CandidateState.New)
            {
                return candidate;
            }
        }

        return null;
    }

    private static void Insert(List<Candidate> candidates, Candidate candidate, NodeId target)
    {
        var index = candidates.FindIndex(c => Distance.Compare(target, candidate.Contact.Id, c.Contact.Id) < 0);
        candidates.Insert(index < 0 ? candidates.Count : index, candidate);
    }

    private enum CandidateState
    {
        New,
        Asked,
        Answered,
        Failed,
    }

    private sealed class Candidate(Contact contact, int hops)
    {
        public Contact Contact { get; } = contact;

        public int Hops { get; } = hops;

        public CandidateState State { get; set; }
    }
}
