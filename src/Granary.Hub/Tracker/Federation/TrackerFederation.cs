using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Granary.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Granary.Hub.Tracker.Federation;

/// <summary>
/// Tracker-to-tracker federation (spec §9), safe between organisations.
/// </summary>
/// <remarks>
/// <para><b>Guarantees.</b> Only configured members, proving a shared key on every request, can
/// change this tracker's state through <c>/tracker_sync</c> or read it through <c>/new_tracker</c>;
/// a replayed or stale request is refused (nonce and timestamp window) and nothing is applied.
/// Answers are signed too, and this tracker acts on none that does not verify. Every change that
/// moves a peer's counter is an event with an id; each member receives the events of this
/// tracker's log in log order, at least once, and applies each exactly once: a repeated id, or a
/// counter already past the event, is answered "seen" and not applied or forwarded again; a gap
/// (an earlier event of that peer is missing) is answered 409 and retried, never acknowledged.
/// Because a tracker applies a peer's events in counter order and forwards in its own log order
/// over FIFO links, causally related events arrive in order everywhere.</para>
/// <para><b>Assumptions.</b> Members are honest but may be buggy (their data is held to the same
/// bounds as a client's) and may be down for long. Clocks agree within the auth window (300 s).</para>
/// <para><b>Deliberately not done.</b> Membership is never learned from the network (no
/// self-registration, no relayed <c>new_tracker</c>), members are never evicted automatically, a
/// snapshot is data that is validated and loaded, never executed, and nothing received is trusted
/// because of the address it came from. A re-sync adopts the donor's state: it waits (for a while)
/// until this tracker's own queue to the donor is empty, so no local change is lost by it.</para>
/// </remarks>
internal sealed partial class TrackerFederation : IAsyncDisposable
{
    private const long SyncBodyLimit = 4 * TrackerOptions.MaxBodyBytes;

    private readonly TrackerStore _store;
    private readonly TrackerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly NonceCache _nonces;
    private readonly HttpMessageInvoker _http;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, long> _gapSince = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _pulls = new(StringComparer.Ordinal);
    private Dictionary<string, MemberLink> _links = new(StringComparer.Ordinal);
    private IReadOnlyList<TrackerMember> _members = [];
    private Task _maintenance = Task.CompletedTask;

    public TrackerFederation(TrackerStore store, TrackerOptions options, TimeProvider time, ILogger logger, HttpMessageHandler? handler = null)
    {
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
        _nonces = new NonceCache(time, AuthWindow);
        _http = new HttpMessageInvoker(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(10) });
        store.Journal.Appended += WakeAll;
    }

    public string SelfId => _store.Journal.SelfId;

    public TimeSpan AuthWindow => TimeSpan.FromSeconds(_options.AuthWindowSeconds);

    /// <summary>The configured members, in the order of the members file.</summary>
    public IReadOnlyList<TrackerMember> Members => Volatile.Read(ref _members);

    internal TrackerStore Store => _store;

    internal TrackerOptions Options => _options;

    internal TimeProvider Time => _time;

    internal ILogger Logger => _logger;

    internal HttpMessageInvoker Http => _http;

    internal CancellationToken Stopping => _stopping.Token;

    public void Start()
    {
        _maintenance = Task.Run(() => MaintainAsync(_stopping.Token));
    }

    /// <summary>Applies a new member list: links start, stop or change their key and address; nothing restarts.</summary>
    public async Task SetMembersAsync(IReadOnlyList<TrackerMember> members, CancellationToken cancellationToken)
    {
        // A new member's cursor is fixed before anything can be logged for it: left to its link's
        // first step, the head could already hold events recorded since the member was configured,
        // and the member would never get them (seen as a hub short of a few events under load).
        var links = Volatile.Read(ref _links);
        foreach (var member in members.Where(m => m.Id != SelfId && !links.ContainsKey(m.Id)))
        {
            await _store.StartCursorAsync(member.Id, cancellationToken).ConfigureAwait(false);
        }

        ApplyMembers(members);
    }

    private void ApplyMembers(IReadOnlyList<TrackerMember> members)
    {
        List<MemberLink> stopped = [];
        lock (_lock)
        {
            var links = new Dictionary<string, MemberLink>(StringComparer.Ordinal);
            foreach (var member in members)
            {
                if (member.Id == SelfId)
                {
                    continue;
                }

                if (_links.TryGetValue(member.Id, out var link))
                {
                    link.Member = member;
                }
                else
                {
                    link = new MemberLink(this, member);
                    link.Start();
                }

                links[member.Id] = link;
            }

            stopped.AddRange(_links.Values.Where(l => !links.ContainsKey(l.Member.Id)));
            _links = links;
            Volatile.Write(ref _members, [.. members.Where(m => m.Id != SelfId)]);
            _store.Journal.Active = links.Count > 0;
        }

        foreach (var link in stopped)
        {
            _ = link.DisposeAsync().AsTask();
        }

        TrackerLog.Members(_logger, members.Count == 0 ? "none" : string.Join(", ", members.Select(m => $"{m.Id} at {m.Url}")));
        foreach (var member in members.Where(m => m.Join))
        {
            _ = JoinOnceAsync(member);
        }
    }

    /// <summary>Each member's state, for the dashboard.</summary>
    public IReadOnlyList<MemberState> States()
    {
        lock (_lock)
        {
            return [.. _links.Values.Select(l => l.State())];
        }
    }

    internal MemberLink? Link(string id)
    {
        lock (_lock)
        {
            return _links.GetValueOrDefault(id);
        }
    }

    private void WakeAll()
    {
        foreach (var link in Volatile.Read(ref _links).Values)
        {
            link.Wake();
        }
    }

    // A member marked "join" hands this tracker its state once (recorded in the database).
    private async Task JoinOnceAsync(TrackerMember member)
    {
        try
        {
            if (await _store.StateAsync("snapshot:" + member.Id, _stopping.Token).ConfigureAwait(false) is not null)
            {
                return;
            }

            await PullWithRetryAsync(member.Id, drainFirst: false).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            TrackerLog.SnapshotFailed(_logger, member.Id, e.Message);
        }
    }

    /// <summary>Pulls a snapshot from a member (one pull per member at a time), retrying with back-off until it loads.</summary>
    internal Task PullWithRetryAsync(string memberId, bool drainFirst) => _pulls.GetOrAdd(memberId, id => Task.Run(async () =>
    {
        try
        {
            var delay = TimeSpan.FromSeconds(0.5);
            while (!_stopping.IsCancellationRequested)
            {
                var member = Members.FirstOrDefault(m => m.Id == id);
                if (member is null)
                {
                    return;
                }

                try
                {
                    await PullSnapshotAsync(member, drainFirst, _stopping.Token).ConfigureAwait(false);
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
                {
                    TrackerLog.SnapshotFailed(_logger, id, e.Message);
                }

                await Task.Delay(delay, _time, _stopping.Token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(60).Ticks));
            }
        }
        finally
        {
            _pulls.TryRemove(id, out _);
        }
    }));

    private async Task MaintainAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), _time, cancellationToken).ConfigureAwait(false);
                var links = Volatile.Read(ref _links).Values.ToList();
                var head = await _store.HeadAsync(cancellationToken).ConfigureAwait(false);
                var delivered = links.Count == 0 ? head : links.Min(l => l.Cursor);
                await _store.PruneAsync(delivered, _time.GetUtcNow().AddDays(-1).ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                TrackerLog.Unexpected(_logger, e, "prune", "event log");
            }
        }
    }

    internal void NoteGap(string sender)
    {
        var now = _time.GetTimestamp();
        var since = _gapSince.GetOrAdd(sender, now);
        var seconds = (long)_time.GetElapsedTime(since, now).TotalSeconds;
        if (seconds >= _options.GapResyncSeconds && !_pulls.ContainsKey(sender))
        {
            TrackerLog.GapTooLong(_logger, sender, seconds);
            _gapSince.TryRemove(sender, out _);
            _ = PullWithRetryAsync(sender, drainFirst: true);
        }
    }

    internal void NoteNoGap(string sender) => _gapSince.TryRemove(sender, out _);

    public async ValueTask DisposeAsync()
    {
        _store.Journal.Appended -= WakeAll;
        await _stopping.CancelAsync().ConfigureAwait(false);
        List<MemberLink> links;
        lock (_lock)
        {
            links = [.. _links.Values];
            _links = new Dictionary<string, MemberLink>(StringComparer.Ordinal);
        }

        foreach (var link in links)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await _maintenance.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var pull in _pulls.Values)
        {
            try
            {
                await pull.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _http.Dispose();
        _stopping.Dispose();
    }

    // ---- Authentication of incoming calls ----

    /// <summary>Checks §9.1's headers over the body as received; the member, or null with the reason.</summary>
    internal TrackerMember? Authenticate(HttpContext context, ReadOnlySpan<byte> body, out string reason)
    {
        var headers = context.Request.Headers;
        var sender = headers[TrackerAuth.SenderHeader].ToString();
        var member = Members.FirstOrDefault(m => m.Id == sender);
        if (member is null)
        {
            reason = "unknown sender";
            return null;
        }

        if (!TrackerAuth.TryTimestamp(headers[TrackerAuth.TimestampHeader].ToString(), out var timestamp)
            || Math.Abs(_time.GetUtcNow().ToUnixTimeSeconds() - timestamp) > _options.AuthWindowSeconds)
        {
            reason = "timestamp missing or outside the window";
            return null;
        }

        var nonce = headers[TrackerAuth.NonceHeader].ToString();
        if (nonce.Length > 64 || !Guid.TryParse(nonce, out _))
        {
            reason = "nonce missing or not a UUID";
            return null;
        }

        var expected = TrackerAuth.SignRequest(member.Key, context.Request.Method, context.Request.Path.Value ?? "/", timestamp, nonce, body);
        if (!TrackerAuth.Matches(headers[TrackerAuth.SignatureHeader].ToString(), expected))
        {
            reason = "bad signature";
            return null;
        }

        if (!_nonces.TryRecord(member.Id, nonce))
        {
            reason = "nonce already used";
            return null;
        }

        reason = "";
        return member;
    }

    /// <summary>Answers 401; unless <paramref name="admit"/>, counting the failure against the caller's rate limit, already answered 429.</summary>
    private async Task RefuseAsync(HttpContext context, string reason, Func<HttpContext, Task<bool>> admit)
    {
        // A flood of bad signatures is refused for volume before it fills the log.
        if (!await admit(context).ConfigureAwait(false))
        {
            return;
        }

        TrackerLog.AuthRefused(_logger, context.Connection.RemoteIpAddress?.ToString() ?? "?", LogText.Escape(context.Request.Path.Value, 100), reason);
        await TrackerJson.WriteAsync(context, 401, TrackerJson.Serialize(false, error: TrackerText.AuthFailed)).ConfigureAwait(false);
    }

    /// <summary>Writes an answer signed for <paramref name="member"/> over status, the request's nonce and the body.</summary>
    internal static Task AnswerSignedAsync(HttpContext context, TrackerMember member, string selfId, TimeProvider time, int status, ReadOnlyMemory<byte> body)
    {
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        var nonce = context.Request.Headers[TrackerAuth.NonceHeader].ToString();
        context.Response.StatusCode = status;
        context.Response.ContentType = TrackerJson.ContentType;
        context.Response.ContentLength = body.Length;
        context.Response.Headers[TrackerAuth.SenderHeader] = selfId;
        context.Response.Headers[TrackerAuth.TimestampHeader] = timestamp.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers[TrackerAuth.SignatureHeader] = TrackerAuth.SignResponse(member.Key, status, nonce, timestamp, body.Span);
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private Task AnswerAsync(HttpContext context, TrackerMember member, int status, byte[] body) =>
        AnswerSignedAsync(context, member, SelfId, _time, status, body);

    // ---- PATCH /tracker_sync ----

    /// <param name="admit">Counts a call that fails authentication against its caller's rate limit; false once it answered 429.</param>
    public async Task HandleSyncAsync(HttpContext context, Func<HttpContext, Task<bool>> admit)
    {
        using var body = await TrackerJson.ReadAsync(context, SyncBodyLimit, parse: false).ConfigureAwait(false);
        if (body.Error is not null)
        {
            await TrackerJson.WriteAsync(context, body.Status, TrackerJson.Serialize(false, error: body.Error)).ConfigureAwait(false);
            return;
        }

        var member = Authenticate(context, body.Bytes, out var reason);
        if (member is null)
        {
            await RefuseAsync(context, reason, admit).ConfigureAwait(false);
            return;
        }

        using var document = TrackerJson.TryParse(body.Bytes.ToArray());
        if (document is null)
        {
            await AnswerAsync(context, member, 400, TrackerJson.Serialize(false, error: TrackerText.NotJson)).ConfigureAwait(false);
            return;
        }

        var root = document.RootElement;
        if (root.TryGetProperty("resync", out var resync) && resync.ValueKind == JsonValueKind.True)
        {
            // The member dropped our queue: pull its state once our own queue to it is delivered.
            _ = PullWithRetryAsync(member.Id, drainFirst: true);
            await AnswerAsync(context, member, 200, TrackerJson.Serialize(true, w => w.WriteBoolean("resyncing", true))).ConfigureAwait(false);
            return;
        }

        var events = root.TryGetProperty("events", out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().ToList() : [root];
        var accepted = 0;
        foreach (var envelope in events)
        {
            var (outcome, status, error) = await ApplyEnvelopeAsync(envelope, member, context.RequestAborted).ConfigureAwait(false);
            if (outcome is ReplicaOutcome.Gap)
            {
                NoteGap(member.Id);
                await AnswerAsync(context, member, 409, TrackerJson.Serialize(false, w =>
                {
                    w.WriteBoolean("retry", true);
                    w.WriteNumber("accepted", accepted);
                }, TrackerText.OutOfOrder)).ConfigureAwait(false);
                return;
            }

            if (outcome is null)
            {
                await AnswerAsync(context, member, status, TrackerJson.Serialize(false, w => w.WriteNumber("accepted", accepted), error)).ConfigureAwait(false);
                return;
            }

            accepted++;
        }

        NoteNoGap(member.Id);
        await AnswerAsync(context, member, 200, TrackerJson.Serialize(true, w => w.WriteNumber("accepted", accepted))).ConfigureAwait(false);
    }

    /// <summary>Validates and applies one envelope; a null outcome is a refusal with its status and error.</summary>
    private async Task<(ReplicaOutcome? Outcome, int Status, string? Error)> ApplyEnvelopeAsync(JsonElement envelope, TrackerMember sender, CancellationToken cancellationToken)
    {
        if (envelope.ValueKind != JsonValueKind.Object
            || !envelope.TryGetProperty("event", out var kindElement) || !TrackerRequests.TryString(kindElement, out var kind)
            || !envelope.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
            || !envelope.TryGetProperty("event_ip", out var ipElement) || !TrackerRequests.TryString(ipElement, out var ipText)
            || ipText.Length > 64 || !IPAddress.TryParse(ipText, out var ip))
        {
            return (null, 400, TrackerText.Invalid("an event needs event, event_ip (an IP address) and data"));
        }

        if (!envelope.TryGetProperty("event_id", out var idElement) || !TrackerRequests.TryString(idElement, out var idText)
            || TrackerRequests.NormalizeGuid(idText) is not { } eventId
            || !envelope.TryGetProperty("origin", out var originElement) || !TrackerRequests.TryString(originElement, out var origin) || !TrackerOptions.IsValidId(origin)
            || !TrackerRequests.TryInteger(envelope, "origin_seq", 0, TrackerRequests.MaxSeq, out var originSeq, out _))
        {
            return (null, 400, TrackerText.Invalid("an event needs event_id (a UUID), origin and origin_seq"));
        }

        if (origin == SelfId || kind == "new_tracker")
        {
            // Our own event come back, or a membership claim: members come from configuration only.
            return (ReplicaOutcome.Seen, 200, null);
        }

        if (await _store.IsSeenAsync(eventId, cancellationToken).ConfigureAwait(false))
        {
            return (ReplicaOutcome.Seen, 200, null);
        }

        var source = new EventSource(eventId, origin, originSeq, sender.Id, TrackerApi.Normalize(ip).ToString());
        TrackerResult result;
        var invalid = "";
        switch (kind)
        {
            case "add_file" when TrackerRequests.TryAddFile(data, out var add, out invalid) && add!.Guid is not null:
                result = await _store.AddFileAsync(add, source.EventIp, source, cancellationToken).ConfigureAwait(false);
                break;
            case "keep_alive" when TrackerRequests.TryKeepAlive(data, out var alive, out invalid):
                result = await _store.KeepAliveAsync(alive!, source.EventIp, source, cancellationToken).ConfigureAwait(false);
                break;
            case "deregister_file_by_hash" when TrackerRequests.TryDeregisterByHash(data, out var gone, out invalid):
                result = await _store.DeregisterAsync(gone!, source.EventIp, source, cancellationToken).ConfigureAwait(false);
                break;
            case "add_file" or "keep_alive" or "deregister_file_by_hash":
                TrackerLog.EventRefused(_logger, eventId, sender.Id, "data out of bounds");
                return (null, 400, TrackerText.Invalid($"{kind} data: {(invalid.Length > 0 ? invalid : "a guid is required")}"));
            default:
                return (null, 400, TrackerText.Invalid("unknown event"));
        }

        if (result == TrackerStore.SeenResult)
        {
            return (ReplicaOutcome.Seen, 200, null);
        }

        if (result == TrackerStore.GapResult)
        {
            return (ReplicaOutcome.Gap, 409, TrackerText.OutOfOrder);
        }

        return result.Success ? (ReplicaOutcome.Applied, 200, null) : (null, result.Status, result.Error);
    }

    // ---- POST /new_tracker ----

    /// <param name="admit">As for <see cref="HandleSyncAsync"/>.</param>
    public async Task HandleNewTrackerAsync(HttpContext context, Func<HttpContext, Task<bool>> admit)
    {
        using var body = await TrackerJson.ReadAsync(context, 64 * 1024, parse: false).ConfigureAwait(false);
        if (body.Error is not null)
        {
            await TrackerJson.WriteAsync(context, body.Status, TrackerJson.Serialize(false, error: body.Error)).ConfigureAwait(false);
            return;
        }

        var member = Authenticate(context, body.Bytes, out var reason);
        if (member is null)
        {
            await RefuseAsync(context, reason, admit).ConfigureAwait(false);
            return;
        }

        using (var document = TrackerJson.TryParse(body.Bytes.ToArray()))
        {
            if (document is null)
            {
                await AnswerAsync(context, member, 400, TrackerJson.Serialize(false, error: TrackerText.NotJson)).ConfigureAwait(false);
                return;
            }
        }

        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        var (head, peers, files) = await _store.WriteSnapshotAsync(buffer, Members, context.RequestAborted).ConfigureAwait(false);

        // From here on the member gets what came after the snapshot, and its queue is whole again.
        if (Link(member.Id) is { } link)
        {
            await link.ResetAsync(head, context.RequestAborted).ConfigureAwait(false);
        }

        TrackerLog.SnapshotServed(_logger, member.Id, peers, files, head);
        await AnswerSignedAsync(context, member, SelfId, _time, 200, buffer.WrittenMemory).ConfigureAwait(false);
    }

    // ---- Pulling a snapshot ----

    private async Task PullSnapshotAsync(TrackerMember member, bool drainFirst, CancellationToken cancellationToken)
    {
        if (drainFirst && Link(member.Id) is { } link)
        {
            await link.WaitDrainedAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        }

        var (status, bytes) = await CallAsync(member, HttpMethod.Post, "/new_tracker", "{}"u8.ToArray(), TimeSpan.FromMinutes(10), _options.MaxSnapshotBytes, cancellationToken).ConfigureAwait(false);
        if (status != 200)
        {
            throw new InvalidOperationException($"the donor answered {status}");
        }

        using var document = TrackerJson.TryParse(bytes) ?? throw new InvalidDataException("the snapshot is not a JSON object");
        if (!TrackerSnapshot.TryParse(document.RootElement, out var snapshot, out var error))
        {
            throw new InvalidDataException("the snapshot is not valid: " + error);
        }

        await _store.LoadSnapshotAsync(snapshot!, member.Id, cancellationToken).ConfigureAwait(false);
        NoteNoGap(member.Id);
        TrackerLog.SnapshotLoaded(_logger, member.Id, snapshot!.Peers.Count, snapshot.Files.Count, snapshot.OriginSeq);
    }

    /// <summary>
    /// A signed call to a member; returns the status and body only when the answer's signature
    /// verifies (otherwise throws: an unauthenticated answer is never acted on, §9.1).
    /// </summary>
    internal async Task<(int Status, byte[] Body)> CallAsync(
        TrackerMember member, HttpMethod method, string path, byte[] body, TimeSpan timeout, long limit, CancellationToken cancellationToken)
    {
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        var nonce = Guid.NewGuid().ToString("D");
        using var request = new HttpRequestMessage(method, new Uri(member.Url, path)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(TrackerJson.ContentType);
        request.Headers.TryAddWithoutValidation(TrackerAuth.SenderHeader, SelfId);
        request.Headers.TryAddWithoutValidation(TrackerAuth.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(TrackerAuth.NonceHeader, nonce);
        request.Headers.TryAddWithoutValidation(TrackerAuth.SignatureHeader, TrackerAuth.SignRequest(member.Key, method.Method, path, timestamp, nonce, body));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var response = await _http.SendAsync(request, deadline.Token).ConfigureAwait(false);
        var content = await ReadLimitedAsync(response, limit, deadline.Token).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        var signature = response.Headers.TryGetValues(TrackerAuth.SignatureHeader, out var signatures) ? signatures.FirstOrDefault() : null;
        var stamp = response.Headers.TryGetValues(TrackerAuth.TimestampHeader, out var stamps) ? stamps.FirstOrDefault() : null;
        if (!TrackerAuth.TryTimestamp(stamp, out var answered) || Math.Abs(_time.GetUtcNow().ToUnixTimeSeconds() - answered) > _options.AuthWindowSeconds
            || !TrackerAuth.Matches(signature, TrackerAuth.SignResponse(member.Key, status, nonce, answered, content)))
        {
            throw new UnauthenticatedAnswerException(status);
        }

        return (status, content);
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpResponseMessage response, long limit, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > limit)
        {
            throw new InvalidDataException($"the answer is larger than {limit} bytes");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = stream.ConfigureAwait(false);
        using var copy = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (copy.Length + read > limit)
                {
                    throw new InvalidDataException($"the answer is larger than {limit} bytes");
                }

                copy.Write(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return copy.ToArray();
    }
}

/// <summary>An answer whose signature did not verify: treated as no answer at all.</summary>
internal sealed class UnauthenticatedAnswerException(int status) : Exception($"the answer ({status}) is not signed by the member")
{
    public int Status => status;
}
