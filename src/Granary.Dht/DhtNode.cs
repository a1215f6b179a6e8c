using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Threading.Channels;
using Granary.Core.Identity;
using Granary.Dht.Messaging;
using Granary.Dht.Records;
using Granary.Dht.Routing;
using Granary.Dht.Security;
using Granary.Dht.Transport;
using Granary.Dht.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Granary.Dht;

/// <summary>
/// A Kademlia node: answers ping, find_node, find_value and store, looks up nodes and values,
/// stores values on the k nodes closest to their keys, and carries signed messages to other nodes
/// directly or hop by hop through relays.
/// </summary>
/// <remarks>
/// Guarantees: every datagram is signed by its sender's key, timestamped and carries a nonce, so
/// a sender cannot be impersonated and a replayed request is refused; a response is matched to its
/// request by a random transaction id and the address it was sent to. No response to an address
/// that has not proved it receives there (with an address token) is larger than the request it
/// answers, and every source address is rate-limited, so the node cannot be used to amplify a
/// flood. Storage, queues and every table are bounded. Assumes: honest nodes are the majority near
/// any key (Kademlia's usual assumption; k = 20 copies of each value). Does not: resist an attacker
/// who can create ids at will (a Sybil attack) beyond what signatures and verified addresses give.
/// </remarks>
public sealed partial class DhtNode : IAsyncDisposable
{
    private const int MaxPeerTokens = 10_000;

    private readonly IDatagramSigner _signer;
    private readonly NodeKey? _key;
    private readonly IDhtTransport _transport;
    private readonly DhtOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RoutingTable _table;
    private readonly ValueStore _store;
    private readonly ReplayGuard _replays;
    private readonly ReplayGuard _messageReplays;
    private readonly AddressTokens _tokens;
    private readonly RateLimiter _rate;
    private readonly ConcurrentDictionary<ulong, Pending> _pending = new();
    private readonly ConcurrentDictionary<IPEndPoint, ulong> _peerTokens = new();
    private readonly ConcurrentDictionary<NodeId, byte> _pinging = new();
    private readonly Channel<Forward> _relays;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _background = [];
    private int _disposed;

    private DhtNode(IDatagramSigner signer, NodeKey? key, IDhtTransport transport, DhtOptions options, TimeProvider time, ILogger logger)
    {
        options.Validate();
        _signer = signer;
        _key = key;
        _transport = transport;
        _options = options;
        _time = time;
        _logger = logger;
        _table = new RoutingTable(signer.Id, options.K, time);
        _store = new ValueStore(options, time);
        _replays = new ReplayGuard(time, options.ReplayWindow);
        _messageReplays = new ReplayGuard(time, options.ReplayWindow);
        _tokens = new AddressTokens(time);
        _rate = new RateLimiter(time, options.DatagramsPerSecondPerAddress);
        _relays = Channel.CreateBounded<Forward>(new BoundedChannelOptions(options.RelayQueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite });
    }

    public NodeId Id => _signer.Id;

    /// <summary>The address this node receives on.</summary>
    public IPEndPoint EndPoint => _transport.LocalEndPoint;

    public DhtStatistics Statistics { get; } = new();

    /// <summary>The contacts in this node's routing table.</summary>
    public IReadOnlyList<Contact> Contacts => _table.All();

    /// <summary>Raised for every message addressed to this node, direct or relayed, once its signature and freshness are checked.</summary>
    public event Action<ReceivedMessage>? MessageReceived;

    /// <summary>A node whose datagrams are signed with <paramref name="key"/>; its id is the key's node id.</summary>
    public static DhtNode Create(NodeKey key, IDhtTransport transport, DhtOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        options ??= new DhtOptions();
        IDatagramSigner signer = options.SignDatagrams ? new KeySigner(key) : new UnsignedSigner(key.NodeId);
        return new DhtNode(signer, key, transport, options, time ?? TimeProvider.System, logger ?? NullLogger.Instance);
    }

    /// <summary>A node without a key, for simulations: it can store and find immutable values but not sign messages or records.</summary>
    internal static DhtNode CreateUnsigned(NodeId id, IDhtTransport transport, DhtOptions options) =>
        new(new UnsignedSigner(id), null, transport, options, TimeProvider.System, NullLogger.Instance);

    /// <summary>Starts receiving, forwarding relays and the periodic refresh and republishing.</summary>
    public void Start()
    {
        _transport.Start(OnDatagramAsync);
        _background.Add(Task.Run(ForwardRelaysAsync));
        _background.Add(Task.Run(MaintainAsync));
        DhtLog.Listening(_logger, Id.ToString(), EndPoint.ToString());
    }

    /// <summary>Joins the network through <paramref name="seeds"/>: greets them, then looks up its own id. Returns the contacts it knows.</summary>
    public async Task<int> BootstrapAsync(IEnumerable<IPEndPoint> seeds, CancellationToken cancellationToken = default)
    {
        var list = seeds.ToList();
        await Task.WhenAll(list.Select(seed => PingAsync(seed, cancellationToken))).ConfigureAwait(false);
        await LookupAsync(Id, findValue: false, cancellationToken).ConfigureAwait(false);
        DhtLog.Joined(_logger, string.Join(", ", list), _table.Count);
        return _table.Count;
    }

    /// <summary>Whether <paramref name="endPoint"/> answers a ping.</summary>
    public async Task<bool> PingAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default) =>
        await RequestAsync(endPoint, null, MessageKind.Ping, [], cancellationToken).ConfigureAwait(false) is not null;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _relays.Writer.TryComplete();
        await _transport.DisposeAsync().ConfigureAwait(false);
        foreach (var pending in _pending.Values)
        {
            pending.Response.TrySetResult(null);
        }

        try
        {
            await Task.WhenAll(_background).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    /// <summary>
    /// Sends a request and waits for its response: null when none came in time (the contact, if
    /// named, counts a failure). A response comes from an address that has just proved it receives
    /// there, so its sender enters the routing table.
    /// </summary>
    internal async Task<Envelope?> RequestAsync(IPEndPoint to, NodeId? expected, MessageKind kind, byte[] payload, CancellationToken cancellationToken)
    {
        var transaction = RandomNonZero();
        var token = _peerTokens.GetValueOrDefault(to);
        var datagram = Envelope.Encode(_signer, kind, _time.GetUtcNow().ToUnixTimeSeconds(), RandomNonZero(), transaction, token, payload, token == 0 ? ResponseCeiling(kind) : 0);
        var pending = new Pending(new TaskCompletionSource<Envelope?>(TaskCreationOptions.RunContinuationsAsynchronously), to, kind);
        _pending[transaction] = pending;
        Envelope? response = null;
        try
        {
            Statistics.CountSent();
            if (await _transport.SendAsync(datagram, to, cancellationToken).ConfigureAwait(false))
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
                deadline.CancelAfter(_options.RequestTimeout);
                try
                {
                    response = await pending.Response.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }
            }
        }
        finally
        {
            _pending.TryRemove(transaction, out _);
        }

        if (response is not { } answer)
        {
            if (expected is { } id)
            {
                _table.Failed(id);
            }

            return null;
        }

        if (expected is { } wanted && wanted != answer.Sender)
        {
            _table.Failed(wanted);
        }

        if (_peerTokens.Count >= MaxPeerTokens)
        {
            _peerTokens.Clear();
        }

        _peerTokens[to] = answer.Token;
        NoteSeen(new Contact(answer.Sender, to));
        if (answer.Kind == MessageKind.Pong && Payloads.TryReadEndPoint(answer.Payload, out var observed))
        {
            Observe(answer.Sender, observed!);
        }

        return answer;
    }

    private async ValueTask OnDatagramAsync(ReadOnlyMemory<byte> data, IPEndPoint from)
    {
        Statistics.CountReceived();
        if (!_rate.Allow(from.Address))
        {
            Statistics.CountRateLimited();
            return;
        }

        if (!Envelope.TryDecode(data.Span, _signer, out var envelope) || envelope.Sender == Id)
        {
            Statistics.CountMalformed();
            return;
        }

        if (!MessageKinds.IsRequest(envelope.Kind))
        {
            if (_pending.TryGetValue(envelope.TransactionId, out var pending) && Answers(pending.Request, envelope.Kind) && pending.To.Equals(from))
            {
                pending.Response.TrySetResult(envelope);
            }

            return;
        }

        if (!_replays.Accept(envelope.Sender, envelope.Nonce, envelope.Timestamp))
        {
            Statistics.CountReplayed();
            return;
        }

        var verified = _tokens.IsValid(from, envelope.Token);
        if (verified)
        {
            NoteSeen(new Contact(envelope.Sender, from));
        }

        // An unverified requester gets nothing larger than what it sent.
        var budget = (verified ? Envelope.MaxDatagramSize : envelope.Size) - Envelope.HeaderSize - _signer.SignatureSize;
        (MessageKind Kind, byte[] Payload)? answer;
        try
        {
            answer = Answer(envelope, from, verified, budget);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            DhtLog.HandlerFailed(_logger, e);
            return;
        }

        if (answer is not { } reply || reply.Payload.Length > budget)
        {
            return;
        }

        var response = Envelope.Encode(_signer, reply.Kind, _time.GetUtcNow().ToUnixTimeSeconds(), RandomNonZero(), envelope.TransactionId, _tokens.Issue(from), reply.Payload);
        Statistics.CountSent();
        await _transport.SendAsync(response, from, _stop.Token).ConfigureAwait(false);
    }

    // The answer to a request, its payload within `budget` bytes; null to send none.
    private (MessageKind Kind, byte[] Payload)? Answer(Envelope request, IPEndPoint from, bool verified, int budget)
    {
        switch (request.Kind)
        {
            case MessageKind.Ping:
                return (MessageKind.Pong, Payloads.EndPoint(from));
            case MessageKind.FindNode:
                return Payloads.TryReadId(request.Payload, out var target) ? (MessageKind.Nodes, Payloads.Contacts(ClosestFor(target, request.Sender), budget)) : null;
            case MessageKind.FindValue:
                if (!Payloads.TryReadId(request.Payload, out var key))
                {
                    return null;
                }

                if (_store.Get(key) is { } record)
                {
                    var writer = new WireWriter();
                    record.Write(writer);
                    if (writer.Length <= budget)
                    {
                        return (MessageKind.Value, writer.ToArray());
                    }
                }

                // Not held here (or too large for an unverified requester): the closest nodes instead.
                return (MessageKind.Nodes, Payloads.Contacts(ClosestFor(key, request.Sender), budget));
            case MessageKind.Store:
                return (MessageKind.Stored, [(byte)Store(request.Payload, from, verified)]);
            case MessageKind.Direct:
                return (MessageKind.DirectAck, [(byte)ReceiveDirect(request.Payload)]);
            case MessageKind.Relay:
                return (MessageKind.RelayAck, [(byte)ReceiveRelay(request.Payload, request.Sender)]);
            default:
                return null;
        }
    }

    private List<Contact> ClosestFor(NodeId target, NodeId requester)
    {
        var closest = _table.Closest(target, _options.K + 1);
        closest.RemoveAll(c => c.Id == requester);
        return closest.Count > _options.K ? closest.GetRange(0, _options.K) : closest;
    }

    // Only a requester that proved its address may store, so a forged source cannot fill the node.
    private StoreResult Store(byte[] payload, IPEndPoint from, bool verified)
    {
        if (!verified)
        {
            return StoreResult.Unverified;
        }

        var reader = new WireReader(payload);
        if (!DhtRecord.TryRead(ref reader, out var record) || reader.Remaining != 0)
        {
            return StoreResult.Invalid;
        }

        return (StoreResult)_store.Put(record!, from.Address);
    }

    private void NoteSeen(Contact contact)
    {
        if (_table.Seen(contact) is { } oldest && _pinging.TryAdd(oldest.Id, 0))
        {
            // The bucket is full: keep its oldest member if it still answers, else let the newcomer in.
            _ = Task.Run(async () =>
            {
                try
                {
                    await RequestAsync(oldest.EndPoint, oldest.Id, MessageKind.Ping, [], _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
                finally
                {
                    _pinging.TryRemove(oldest.Id, out _);
                }
            });
        }
    }

    // The largest response a request of this kind can draw: padding the request to it lets a
    // responder that does not know this node's address yet answer in full.
    private int ResponseCeiling(MessageKind kind) => kind switch
    {
        MessageKind.Ping => Envelope.HeaderSize + 19 + _signer.SignatureSize,
        MessageKind.FindNode => Envelope.HeaderSize + 1 + (_options.K * Payloads.MaxContactSize) + _signer.SignatureSize,
        MessageKind.FindValue => Envelope.MaxDatagramSize,
        _ => 0,
    };

    private static ulong RandomNonZero()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes) | 1;
    }

    // Each request has its own response kind; find_value's is a value or, when the node has none, the closest nodes.
    private static bool Answers(MessageKind request, MessageKind response) =>
        response == request + 1 || (request == MessageKind.FindValue && response == MessageKind.Nodes);

    private sealed record Pending(TaskCompletionSource<Envelope?> Response, IPEndPoint To, MessageKind Request);

    private enum StoreResult : byte
    {
        Stored = StoreOutcome.Stored,
        Stale = StoreOutcome.Stale,
        Full = StoreOutcome.Full,
        Unverified = 3,
        Invalid = 4,
    }
}
