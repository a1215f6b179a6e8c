using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Text.Json;
using Granary.Hub.Tracker.Federation;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Granary.Hub.Tracker;

/// <summary>
/// The P2PFlix tracker's HTTP API (spec §5): routes matched on the exact path, path parameters taken
/// as plain strings and judged here (so a malformed one gets the JSON error, not a routing 404),
/// checks in the spec's order (parse, validate, peer, sequence, operation), REST status codes or
/// HTTP 200 for everything with <see cref="TrackerOptions.LegacyHttpStatus"/>. Every request is counted
/// against its peer IP's rate limit first, except federation calls, which count only when they fail
/// authentication (a member's events are its whole stream and must not be refused for volume).
/// </summary>
internal sealed class TrackerApi(TrackerStore store, TrackerFederation federation, TrackerOptions options, TrackerRateLimit rateLimit, ILogger logger)
{
    private const int FileListPage = 2000;

    private readonly HashSet<IPAddress> _proxies = [.. options.TrustedProxies.Select(p => Normalize(IPAddress.Parse(p)))];
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(options.KeepAliveTimeoutSeconds);

    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var method = context.Request.Method;
        try
        {
            var found = Route(path, out var parameter);
            if (found is not ("tracker_sync" or "new_tracker") && !await AdmitAsync(context).ConfigureAwait(false))
            {
                return;
            }

            switch (found)
            {
                case "file_list" when IsGet(method):
                    await FileListAsync(context).ConfigureAwait(false);
                    break;
                case "file" when IsGet(method):
                    await FileByIdAsync(context, parameter!).ConfigureAwait(false);
                    break;
                case "file_by_hash" when IsGet(method):
                    await FileByHashAsync(context, parameter!).ConfigureAwait(false);
                    break;
                case "tracker_list" when IsGet(method):
                    await TrackerListAsync(context).ConfigureAwait(false);
                    break;
                case "peer_status" or "peer_guid" when IsGet(method):
                    await PeerStatusAsync(context, parameter!).ConfigureAwait(false);
                    break;
                case "add_file" when method == HttpMethods.Post:
                    await WriteRouteAsync<AddFileRequest>(context, TrackerRequests.TryAddFile, (r, ip, ct) => store.AddFileAsync(r!, ip, null, ct), AddFileAnswer).ConfigureAwait(false);
                    break;
                case "keep_alive" when method == HttpMethods.Put:
                    await WriteRouteAsync<KeepAliveRequest>(context, TrackerRequests.TryKeepAlive, (r, ip, ct) => store.KeepAliveAsync(r!, ip, null, ct), null).ConfigureAwait(false);
                    break;
                case "deregister_file" when method == HttpMethods.Delete:
                    await WriteRouteAsync<DeregisterRequest>(context, TrackerRequests.TryDeregisterById, (r, ip, ct) => store.DeregisterAsync(r!, ip, null, ct), null).ConfigureAwait(false);
                    break;
                case "deregister_file_by_hash" when method == HttpMethods.Delete:
                    await WriteRouteAsync<DeregisterRequest>(context, TrackerRequests.TryDeregisterByHash, (r, ip, ct) => store.DeregisterAsync(r!, ip, null, ct), null).ConfigureAwait(false);
                    break;
                case "tracker_sync" when method == HttpMethods.Patch:
                    await federation.HandleSyncAsync(context, AdmitAsync).ConfigureAwait(false);
                    break;
                case "new_tracker" when method == HttpMethods.Post:
                    await federation.HandleNewTrackerAsync(context, AdmitAsync).ConfigureAwait(false);
                    break;
                case null:
                    await TrackerJson.WriteAsync(context, 404, TrackerJson.Serialize(false, error: TrackerText.NotFound)).ConfigureAwait(false);
                    break;
                case var route:
                    context.Response.Headers.Allow = Allowed(route);
                    await TrackerJson.WriteAsync(context, 405, TrackerJson.Serialize(false, error: TrackerText.MethodNotAllowed)).ConfigureAwait(false);
                    break;
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        catch (TrackerBusyException)
        {
            await FailAsync(context, 503, TrackerText.Resyncing).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DbException or TimeoutException)
        {
            TrackerLog.DatabaseError(logger, e, method, LogPath(path));
            await FailAsync(context, 503, TrackerText.Unavailable).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BadHttpRequestException bad)
        {
            await FailAsync(context, bad.StatusCode == 413 ? 413 : 400, bad.StatusCode == 413 ? TrackerText.TooLarge : TrackerText.NotJson).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            TrackerLog.Unexpected(logger, e, method, LogPath(path));
            await FailAsync(context, 500, "Internal error").ConfigureAwait(false);
        }
    }

    /// <summary>The route a path names (and its one parameter), or null for no route.</summary>
    internal static string? Route(string path, out string? parameter)
    {
        parameter = null;
        if (path.Length < 2 || path[0] != '/')
        {
            return null;
        }

        var rest = path.AsSpan(1);
        var slash = rest.IndexOf('/');
        if (slash < 0)
        {
            var name = rest.ToString();
            return name is "file_list" or "tracker_list" or "add_file" or "keep_alive" or "deregister_file" or "deregister_file_by_hash" or "tracker_sync" or "new_tracker"
                ? name
                : null;
        }

        var head = rest[..slash].ToString();
        var tail = rest[(slash + 1)..];
        if (head is not ("file" or "file_by_hash" or "peer_status" or "peer_guid") || tail.Length == 0 || tail.Contains('/'))
        {
            return null;
        }

        parameter = tail.ToString();
        return head;
    }

    private static bool IsGet(string method) => method == HttpMethods.Get || method == HttpMethods.Head;

    private static string Allowed(string route) => route switch
    {
        "add_file" or "new_tracker" => "POST",
        "keep_alive" => "PUT",
        "deregister_file" or "deregister_file_by_hash" => "DELETE",
        "tracker_sync" => "PATCH",
        _ => "GET, HEAD",
    };

    private int Status(int rest) => options.LegacyHttpStatus ? 200 : rest;

    private Task FailAsync(HttpContext context, int status, string error)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return Task.CompletedTask;
        }

        context.Response.Clear();
        return TrackerJson.WriteAsync(context, Status(status), TrackerJson.Serialize(false, error: error));
    }

    /// <summary>
    /// Counts the request against its peer IP's bucket; false once it has answered 429 (HTTP 200
    /// under legacy status, like every application answer, §1.1) with a Retry-After.
    /// </summary>
    internal async Task<bool> AdmitAsync(HttpContext context)
    {
        if (!rateLimit.Enabled || rateLimit.TryAcquire(PeerIp(context), out var retryAfter))
        {
            return true;
        }

        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        // The refused request's body stays unread: closing spares draining it, and costs a flooding client a reconnect.
        context.Response.Headers.Connection = "close";
        await TrackerJson.WriteAsync(context, Status(429), TrackerJson.Serialize(false, error: TrackerText.RateLimited)).ConfigureAwait(false);
        return false;
    }

    private delegate bool Parser<T>(JsonElement body, out T? request, out string error);

    private async Task WriteRouteAsync<T>(
        HttpContext context, Parser<T> parse, Func<T?, string, CancellationToken, Task<TrackerResult>> apply, Action<Utf8JsonWriter, TrackerResult>? answer)
    {
        using var body = await TrackerJson.ReadAsync(context, TrackerOptions.MaxBodyBytes).ConfigureAwait(false);
        if (body.Error is { } unreadable)
        {
            await FailAsync(context, body.Status, unreadable).ConfigureAwait(false);
            return;
        }

        if (!parse(body.Document!.RootElement, out var request, out var invalid))
        {
            await FailAsync(context, 400, invalid).ConfigureAwait(false);
            return;
        }

        var result = await apply(request, PeerIp(context), context.RequestAborted).ConfigureAwait(false);
        if (!result.Success)
        {
            await FailAsync(context, result.Status, result.Error!).ConfigureAwait(false);
            return;
        }

        await TrackerJson.WriteAsync(context, 200, TrackerJson.Serialize(true, answer is null ? null : w => answer(w, result))).ConfigureAwait(false);
    }

    private static void AddFileAnswer(Utf8JsonWriter writer, TrackerResult result)
    {
        writer.WriteNumber("file_id", result.FileId);
        writer.WriteString("guid", result.Guid);
    }

    // Streams the list page by page: the whole answer is never held, however many files there are.
    private async Task FileListAsync(HttpContext context)
    {
        var cutoff = store.ActiveCutoff(_timeout);
        context.Response.StatusCode = 200;
        context.Response.ContentType = TrackerJson.ContentType;
        var output = context.Response.BodyWriter;
        var writer = new Utf8JsonWriter((IBufferWriter<byte>)output, TrackerJson.WriterOptions);
        await using var writerScope = writer.ConfigureAwait(false);
        writer.WriteStartObject();
        writer.WriteBoolean("success", true);
        writer.WriteStartArray("files");
        long after = 0;
        long flushed = 0;
        while (true)
        {
            var rows = 0;
            await foreach (var row in store.FileListAsync(cutoff, after, FileListPage, context.RequestAborted).ConfigureAwait(false))
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", row.Id);
                writer.WriteString("name", row.Name);
                writer.WriteString("full_hash", row.FullHash);
                writer.WriteNumber("active_peers", row.ActivePeers);
                writer.WriteEndObject();
                after = row.Id;
                rows++;
                // BytesPending alone never gets there: the writer commits to the pipe whenever a
                // segment of it fills, and then counts from zero again.
                if (writer.BytesCommitted + writer.BytesPending - flushed >= 16 * 1024)
                {
                    await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                    await FlushAsync(output, context.RequestAborted).ConfigureAwait(false);
                    flushed = writer.BytesCommitted;
                }
            }

            if (rows < FileListPage)
            {
                break;
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        await FlushAsync(output, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task FlushAsync(PipeWriter output, CancellationToken cancellationToken) =>
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);

    private async Task FileByIdAsync(HttpContext context, string text)
    {
        // Anything that is not a decimal id in range names no file (§1.2).
        long? id = text.Length <= 16 && text.All(char.IsAsciiDigit) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            && value is >= 1 and <= TrackerRequests.MaxSeq ? value : null;
        var file = id is null ? null : await store.FileAsync(id, null, store.ActiveCutoff(_timeout), context.RequestAborted).ConfigureAwait(false);
        await FileAnswerAsync(context, file, TrackerText.FileId(text), fileHashToo: true).ConfigureAwait(false);
    }

    private async Task FileByHashAsync(HttpContext context, string hash)
    {
        if (hash.Length > TrackerRequests.MaxHashLength)
        {
            await FailAsync(context, 400, TrackerText.Invalid($"a hash is at most {TrackerRequests.MaxHashLength} characters")).ConfigureAwait(false);
            return;
        }

        var file = TrackerRequests.IsValidHash(hash) ? await store.FileAsync(null, hash, store.ActiveCutoff(_timeout), context.RequestAborted).ConfigureAwait(false) : null;
        await FileAnswerAsync(context, file, TrackerText.FileHash(hash), fileHashToo: true).ConfigureAwait(false);
    }

    private async Task FileAnswerAsync(HttpContext context, FileView? file, string unknown, bool fileHashToo)
    {
        if (file is null)
        {
            await FailAsync(context, 404, unknown).ConfigureAwait(false);
            return;
        }

        if (file.PeerIps.Count == 0)
        {
            await FailAsync(context, 404, TrackerText.NoOnline).ConfigureAwait(false);
            return;
        }

        await TrackerJson.WriteAsync(context, 200, TrackerJson.Serialize(true, writer =>
        {
            writer.WriteString("name", file.Name);
            if (fileHashToo)
            {
                writer.WriteString("file_hash", file.FullHash);
            }

            writer.WriteString("full_hash", file.FullHash);
            writer.WriteStartArray("peers");
            foreach (var ip in file.PeerIps)
            {
                writer.WriteStartObject();
                writer.WriteString("ip", ip);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("chunks");
            foreach (var chunk in file.Chunks)
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", chunk.Id);
                writer.WriteString("name", chunk.Name);
                writer.WriteString("chunk_hash", chunk.Hash);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        })).ConfigureAwait(false);
    }

    private Task TrackerListAsync(HttpContext context)
    {
        var members = federation.Members;
        return TrackerJson.WriteAsync(context, 200, TrackerJson.Serialize(true, writer =>
        {
            writer.WriteStartArray("trackers");
            for (var i = 0; i < members.Count; i++)
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", i + 1);
                writer.WriteString("ip", members[i].Url.IdnHost);
                writer.WriteString("name", members[i].Name);
                writer.WriteString("url", members[i].Url.ToString());
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }));
    }

    private async Task PeerStatusAsync(HttpContext context, string guid)
    {
        if (guid.Length > TrackerRequests.MaxGuidLength)
        {
            await FailAsync(context, 400, TrackerText.Invalid($"a guid is at most {TrackerRequests.MaxGuidLength} characters")).ConfigureAwait(false);
            return;
        }

        var normalized = TrackerRequests.NormalizeGuid(guid);
        var status = normalized is null ? null : await store.PeerStatusAsync(normalized, context.RequestAborted).ConfigureAwait(false);
        if (status is null)
        {
            await FailAsync(context, 404, TrackerText.StatusUnknown(guid)).ConfigureAwait(false);
            return;
        }

        await TrackerJson.WriteAsync(context, 200, TrackerJson.Serialize(true, writer =>
        {
            writer.WriteStartArray("files");
            foreach (var (id, name, hash) in status.Files)
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", id);
                writer.WriteString("name", name);
                writer.WriteString("full_hash", hash);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteNumber("expected_seq_number", status.ExpectedSeq);
            writer.WriteNumber("ka_expected_seq_number", status.ExpectedKaSeq);
        })).ConfigureAwait(false);
    }

    /// <summary>The peer's address: the TCP peer, or what a trusted proxy forwarded; IPv4-mapped IPv6 written as IPv4 (§1).</summary>
    internal string PeerIp(HttpContext context)
    {
        var remote = Normalize(context.Connection.RemoteIpAddress ?? IPAddress.Loopback);
        if (_proxies.Count > 0 && _proxies.Contains(remote) && context.Request.Headers["X-Forwarded-For"].ToString() is { Length: > 0 } forwarded)
        {
            var last = forwarded.Split(',')[^1].Trim();
            if (IPAddress.TryParse(last, out var client))
            {
                remote = Normalize(client);
            }
        }

        return remote.ToString();
    }

    internal static IPAddress Normalize(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            address = new IPAddress(address.GetAddressBytes());
        }

        return address;
    }

    private static string LogPath(string path) => Hosting.LogText.Escape(path, 200);
}
