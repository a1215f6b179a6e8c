using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Granary.Hub.Tracker.Federation;

/// <summary>A member's state as the dashboard shows it.</summary>
internal sealed record MemberState(
    string Id, string Name, string Url, bool Online, int Failures, long QueueDepth, DateTimeOffset? LastSuccess, bool NeedsResync, string? LastError, long Delivered);

/// <summary>
/// Delivery to one member: the log's tail past the member's cursor, in order, in signed batches.
/// A batch the member accepts moves the cursor (persisted, so the queue survives a restart); a
/// gap (409) is retried; a failure backs off (0.5 s doubling to 60 s, with jitter) and after
/// <see cref="TrackerOptions.OfflineAfterFailures"/> in a row marks the member offline, never
/// removes it; an event the member refuses as invalid is dead-lettered and skipped; a queue longer
/// than <see cref="TrackerOptions.QueueCapacity"/> is dropped and the member told to re-sync.
/// </summary>
internal sealed class MemberLink(TrackerFederation federation, TrackerMember member) : IAsyncDisposable
{
    private const long BatchBytes = 8 * 1024 * 1024;

    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(federation.Stopping);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _cursorLock = new(1, 1);
    private readonly Random _jitter = new();
    private TrackerMember _member = member;
    private Task _run = Task.CompletedTask;
    private long _cursor = -1;
    private long _head;
    private int _failures;
    private volatile bool _online;
    private volatile bool _needsResync;
    private DateTimeOffset? _lastSuccess;
    private string? _lastError;

    public TrackerMember Member
    {
        get => Volatile.Read(ref _member);
        set => Volatile.Write(ref _member, value);
    }

    public long Cursor => Interlocked.Read(ref _cursor);

    public void Start() => _run = Task.Run(() => RunAsync(_stop.Token));

    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    public MemberState State()
    {
        var m = Member;
        var cursor = Math.Max(0, Cursor);
        return new MemberState(
            m.Id, m.Name, $"{m.Url.Host}:{m.Url.Port}", _online, Volatile.Read(ref _failures), Math.Max(0, Interlocked.Read(ref _head) - cursor),
            _lastSuccess, _needsResync, _lastError, cursor);
    }

    /// <summary>After this member took a snapshot: deliver from <paramref name="head"/> on, queue whole again.</summary>
    public async Task ResetAsync(long head, CancellationToken cancellationToken)
    {
        await _cursorLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await federation.Store.SaveCursorAsync(Member.Id, head, false, cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _cursor, head);
            _needsResync = false;
        }
        finally
        {
            _cursorLock.Release();
        }

        Wake();
    }

    /// <summary>Waits until everything logged so far has been delivered (or the time is up).</summary>
    public async Task WaitDrainedAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var target = await federation.Store.HeadAsync(cancellationToken).ConfigureAwait(false);
        var start = federation.Time.GetTimestamp();
        while (Cursor < target && federation.Time.GetElapsedTime(start) < limit && !_needsResync)
        {
            Wake();
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan? pause;
            try
            {
                if (_cursor < 0)
                {
                    var (delivered, resync) = await federation.Store.CursorAsync(Member.Id, cancellationToken).ConfigureAwait(false);
                    (_cursor, _needsResync) = (delivered, resync);
                }

                pause = await StepAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                pause = Failed(e is HttpRequestException or TaskCanceledException or UnauthenticatedAnswerException or IOException ? e.Message : e.ToString());
            }

            if (pause is { } wait)
            {
                try
                {
                    if (wait == Timeout.InfiniteTimeSpan)
                    {
                        await _wake.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await Task.Delay(wait, federation.Time, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    // One round: returns how long to wait before the next (Infinite: until woken), or null for at once.
    private async Task<TimeSpan?> StepAsync(CancellationToken cancellationToken)
    {
        var member = Member;
        var options = federation.Options;
        if (_needsResync)
        {
            var (status, _) = await federation.CallAsync(member, HttpMethod.Patch, "/tracker_sync", "{\"resync\":true}"u8.ToArray(), TimeSpan.FromSeconds(30), 1 << 20, cancellationToken)
                .ConfigureAwait(false);
            if (status != 200)
            {
                return Failed($"the member answered {status} to a re-sync request");
            }

            Succeeded();
            return TimeSpan.FromSeconds(5);
        }

        var head = await federation.Store.HeadAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _head, head);
        if (head - Cursor > options.QueueCapacity)
        {
            TrackerLog.QueueOverflow(federation.Logger, member.Id, head - Cursor);
            await MoveCursorAsync(head, needsResync: true, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var events = await federation.Store.EventsAfterAsync(Cursor, options.BatchSize, cancellationToken).ConfigureAwait(false);
        if (events.Count == 0)
        {
            return Timeout.InfiniteTimeSpan;
        }

        // Never back to whom it came from, nor to its origin (§9.2).
        var batch = new List<LoggedEvent>(events.Count);
        var envelopes = new List<byte[]>(events.Count);
        long bytes = 0;
        foreach (var logged in events)
        {
            if (logged.Sender == member.Id || logged.Origin == member.Id)
            {
                if (batch.Count == 0)
                {
                    await MoveCursorAsync(logged.Seq, needsResync: false, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                break;
            }

            var envelope = Envelope(logged);
            if (batch.Count > 0 && bytes + envelope.Length > BatchBytes)
            {
                break;
            }

            batch.Add(logged);
            envelopes.Add(envelope);
            bytes += envelope.Length;
        }

        if (batch.Count == 0)
        {
            return null;
        }

        var body = Batch(envelopes);
        var (answer, content) = await federation.CallAsync(member, HttpMethod.Patch, "/tracker_sync", body, TimeSpan.FromSeconds(30), 1 << 20, cancellationToken).ConfigureAwait(false);
        var accepted = Accepted(content);
        if (accepted > 0)
        {
            await MoveCursorAsync(batch[Math.Min(accepted, batch.Count) - 1].Seq, needsResync: false, cancellationToken).ConfigureAwait(false);
        }

        if (answer == 200)
        {
            Succeeded();
            return null;
        }

        if (answer == 409)
        {
            // A gap on the member's side: it is alive, the event just cannot apply yet.
            Succeeded();
            _lastError = TrackerText.OutOfOrder;
            return TimeSpan.FromMilliseconds(250);
        }

        if (answer is >= 400 and < 500 and not 401 and not 408 and not 429 && accepted < batch.Count)
        {
            // A member refusing one event is a bug report, not a liveness signal (§9.4).
            var poison = batch[accepted];
            var reason = Error(content);
            TrackerLog.DeadLettered(federation.Logger, member.Id, poison.EventId, answer, reason);
            await federation.Store.DeadLetterAsync(member.Id, poison, answer, reason, Encoding.UTF8.GetString(envelopes[accepted]), cancellationToken).ConfigureAwait(false);
            await MoveCursorAsync(poison.Seq, needsResync: false, cancellationToken).ConfigureAwait(false);
            Succeeded();
            return null;
        }

        return Failed($"the member answered {answer}: {Error(content)}");
    }

    private async Task MoveCursorAsync(long seq, bool needsResync, CancellationToken cancellationToken)
    {
        await _cursorLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (seq <= Cursor && !needsResync)
            {
                return;
            }

            await federation.Store.SaveCursorAsync(Member.Id, seq, needsResync || _needsResync, cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _cursor, seq);
            _needsResync |= needsResync;
        }
        finally
        {
            _cursorLock.Release();
        }
    }

    private void Succeeded()
    {
        if (!_online)
        {
            TrackerLog.MemberOnline(federation.Logger, Member.Id);
        }

        _online = true;
        Volatile.Write(ref _failures, 0);
        _lastSuccess = federation.Time.GetUtcNow();
        _lastError = null;
    }

    private TimeSpan Failed(string reason)
    {
        var failures = Interlocked.Increment(ref _failures);
        _lastError = reason.Length > 300 ? reason[..300] : reason;
        var backoff = Math.Min(60_000, 500 * Math.Pow(2, Math.Min(failures - 1, 10)));
        var delay = (long)(backoff * (0.75 + (0.5 * _jitter.NextDouble())));
        TrackerLog.DeliveryFailed(federation.Logger, Member.Id, failures, delay, _lastError);
        if (failures >= federation.Options.OfflineAfterFailures && _online)
        {
            _online = false;
            TrackerLog.MemberOffline(federation.Logger, Member.Id, failures);
        }

        return TimeSpan.FromMilliseconds(delay);
    }

    internal static byte[] Envelope(LoggedEvent logged)
    {
        var buffer = new ArrayBufferWriter<byte>(logged.Data.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer, TrackerJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("event", logged.Kind);
            writer.WriteString("event_ip", logged.EventIp);
            writer.WritePropertyName("data");
            writer.WriteRawValue(logged.Data, skipInputValidation: true);
            writer.WriteString("event_id", logged.EventId);
            writer.WriteString("origin", logged.Origin);
            writer.WriteNumber("origin_seq", logged.OriginSeq);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Batch(List<byte[]> envelopes)
    {
        using var stream = new MemoryStream();
        stream.Write("{\"events\":["u8);
        for (var i = 0; i < envelopes.Count; i++)
        {
            if (i > 0)
            {
                stream.WriteByte((byte)',');
            }

            stream.Write(envelopes[i]);
        }

        stream.Write("]}"u8);
        return stream.ToArray();
    }

    private static int Accepted(byte[] content)
    {
        using var document = TrackerJson.TryParse(content);
        return document is not null && document.RootElement.TryGetProperty("accepted", out var accepted) && accepted.TryGetInt32(out var n) && n >= 0 ? n : 0;
    }

    private static string Error(byte[] content)
    {
        using var document = TrackerJson.TryParse(content);
        return document is not null && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String
            ? TrackerText.Echo(error.GetString()!)
            : "no error text";
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _run.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
