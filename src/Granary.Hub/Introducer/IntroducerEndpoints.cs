using System.Text.Json;
using Granary.Core.Protocol;
using Granary.Hub.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Granary.Hub.Introducer;

/// <summary>
/// The introducer: storage nodes announce themselves, clients list the live announcements and the
/// encoding the hub advises.
/// </summary>
/// <remarks>
/// Guarantees: an announcement is accepted only when the node's own key signed it and its storage
/// URL is that node's, and only when its sequence number is higher than any the node announced
/// before, so a replayed or reordered announcement cannot roll a node back. An announcement
/// lapses <see cref="HubOptions.AnnouncementTtlSeconds"/> after it was made; nodes renew well
/// within that. Assumes: clients trust the hub to list nodes, not to vouch for them — a client
/// still verifies every share it reads. Does not: check that a node is reachable or has the room
/// it claims (clients probe before they upload).
/// </remarks>
internal static class IntroducerEndpoints
{
    private const int MaxBodyBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapIntroducer(this IEndpointRouteBuilder app, AnnouncementStore store, HubOptions options, TimeProvider time, ILogger logger)
    {
        app.MapPost("/" + IntroducerProtocol.AnnouncePath, async (HttpContext context) =>
        {
            var (announcement, problem) = await ReadAsync(context).ConfigureAwait(false);
            if (announcement is null || !announcement.TryVerify(out var url, out problem))
            {
                HubLog.AnnouncementRefused(logger, problem);
                return Results.Json(new { error = problem }, statusCode: 400);
            }

            var now = time.GetUtcNow();
            var expires = now.AddSeconds(options.AnnouncementTtlSeconds);
            if (!await store.UpsertAsync(announcement, HubClock.ToMicros(now), HubClock.ToMicros(expires), context.RequestAborted).ConfigureAwait(false))
            {
                return Results.Json(new { error = $"sequence {announcement.Sequence} is not higher than the node's last announcement" }, statusCode: 409);
            }

            HubLog.Announced(logger, announcement.NodeId, url!.Host, url.Port, announcement.Sequence, announcement.Available, announcement.Capacity);
            return Results.Json(new AnnounceResult(announcement.Sequence, expires, options.AnnouncementTtlSeconds), IntroducerProtocol.Json);
        });

        app.MapGet("/" + IntroducerProtocol.ServersPath, async (HttpContext context) =>
        {
            var servers = await store.LiveAsync(time.Micros(), context.RequestAborted).ConfigureAwait(false);
            var advice = new EncodingAdvice(options.Encoding.Needed, options.Encoding.Happy, options.Encoding.Total);
            return Results.Json(new ServerList(servers, advice), IntroducerProtocol.Json);
        });
        return app;
    }

    private static async Task<(Announcement? Announcement, string Problem)> ReadAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return (null, $"the body is larger than {MaxBodyBytes} bytes");
        }

        using var body = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (body.Length + read > MaxBodyBytes)
            {
                return (null, $"the body is larger than {MaxBodyBytes} bytes");
            }

            body.Write(buffer, 0, read);
        }

        try
        {
            var announcement = JsonSerializer.Deserialize<Announcement>(body.GetBuffer().AsSpan(0, (int)body.Length), IntroducerProtocol.Json);
            return announcement is null ? (null, "the body is not an announcement") : (announcement, "");
        }
        catch (JsonException e)
        {
            return (null, $"the body is not a valid announcement: {e.Message}");
        }
    }
}
