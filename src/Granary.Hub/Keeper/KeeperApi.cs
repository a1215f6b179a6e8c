using System.Text;
using System.Text.Json;
using Granary.Core.Caps;
using Granary.Core.Identity;
using Granary.Core.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Granary.Hub.Keeper;

/// <summary>
/// The keeper's HTTP side: <c>POST /api/keeper/keep</c> (signed by the client's key: keep, forget,
/// list) and the public views <c>GET /api/keeper/nodes</c> and <c>GET /api/keeper/files</c>.
/// </summary>
internal static class KeeperApi
{
    public const int MaxFilesShown = 1000;
    private const int MaxBodyBytes = 8 * 1024;

    public static IEndpointRouteBuilder MapKeeper(this IEndpointRouteBuilder app, KeeperService keeper, HubOptions options, TimeProvider time, ILogger logger)
    {
        app.MapPost("/" + KeeperRequest.Path, async (HttpContext context) =>
        {
            var (request, problem, status) = await ReadAsync(context, options, time).ConfigureAwait(false);
            if (request is null)
            {
                return Error(problem, status);
            }

            var ct = context.RequestAborted;
            switch (request.Action)
            {
                case KeeperRequest.List:
                    var files = await keeper.Store.ClientFilesAsync(request.Client, ct).ConfigureAwait(false);
                    return Results.Json(new KeptFileList([.. files.Select(f => new KeptFileAnswer(f.Status.StorageIndex, f.VerifyCap, f.Status.Total, f.Status.HealthyShares, true))]), KeeperRequest.Json);
                case KeeperRequest.Keep or KeeperRequest.Forget when request.Cap is null:
                    return Error($"a '{request.Action}' request names the file's verify cap in \"cap\"", 400);
                case KeeperRequest.Keep:
                    if (!TryVerifyCap(request.Cap, out var cap, out var index, out problem))
                    {
                        return Error(problem, 400);
                    }

                    if (!options.Keeper.Enabled)
                    {
                        return Error("this hub's keeper is turned off", 503);
                    }

                    var (kept, refusal) = await keeper.KeepAsync(request.Client, cap!, ct).ConfigureAwait(false);
                    if (kept is null)
                    {
                        return Error(refusal!, 422);
                    }

                    return kept.Outcome == KeepOutcome.LimitReached
                        ? Error($"this client already keeps {options.Keeper.MaxFilesPerClient} files here, the most the hub allows one client", 403)
                        : Results.Json(new KeptFileAnswer(index.ToString(), cap!.ToString(), kept.Shares, kept.Shares, kept.Outcome == KeepOutcome.AlreadyKept), KeeperRequest.Json);
                case KeeperRequest.Forget:
                    if (!TryVerifyCap(request.Cap, out _, out var forgotten, out problem))
                    {
                        return Error(problem, 400);
                    }

                    if (!await keeper.Store.ForgetAsync(request.Client, forgotten.ToString(), ct).ConfigureAwait(false))
                    {
                        return Error("this client does not keep that file here", 404);
                    }

                    KeeperLog.Forgot(logger, forgotten.ToString(), request.Client);
                    return Results.Json(new { storageIndex = forgotten.ToString(), forgotten = true }, KeeperRequest.Json);
                default:
                    return Error($"unknown action '{request.Action}': use keep, forget or list", 400);
            }
        });

        app.MapGet("/api/keeper/nodes", async (HttpContext context) =>
        {
            var nodes = await keeper.Store.NodesAsync(context.RequestAborted).ConfigureAwait(false);
            return Results.Json(
                new
                {
                    nodes = nodes.Values.Select(n => new
                    {
                        id = n.NodeId,
                        auditsPassed = n.Reputation.Passed,
                        auditsFailed = n.Reputation.Failed,
                        score = Math.Round(n.Reputation.Score, 6),
                        state = n.Reputation.Standing.ToString().ToLowerInvariant(),
                        reachable = n.Reachable,
                        lastAudit = Instant(n.AuditedAt),
                        lastFailure = n.LastFailure,
                        since = Instant(n.StateSince),
                    }),
                    disqualifyBelow = options.Keeper.DisqualifyBelow,
                    auditPasses = keeper.AuditPasses,
                },
                KeeperRequest.Json);
        });

        app.MapGet("/api/keeper/files", async (HttpContext context) =>
        {
            var ct = context.RequestAborted;
            var (total, _) = await keeper.Store.FileTotalsAsync(ct).ConfigureAwait(false);
            var files = await keeper.Store.FilesAsync(MaxFilesShown, ct).ConfigureAwait(false);
            var decisions = await keeper.Store.RecentDecisionsAsync(50, ct).ConfigureAwait(false);
            return Results.Json(
                new
                {
                    total,
                    files = files.Select(f => new
                    {
                        storageIndex = f.StorageIndex,
                        needed = f.Needed,
                        total = f.Total,
                        healthyShares = f.HealthyShares,
                        lastCheck = Instant(f.CheckedAt),
                        lastAudit = Instant(f.AuditedAt),
                        lastRepair = Instant(f.RepairedAt),
                        repairError = f.RepairError,
                    }),
                    decisions = decisions.Select(d => new { at = Instant(d.At), kind = d.Kind, node = d.NodeId, storageIndex = d.StorageIndex, detail = d.Detail }),
                    checkerPasses = keeper.CheckerPasses,
                },
                KeeperRequest.Json);
        });
        return app;
    }

    private static DateTimeOffset? Instant(long micros) => micros == 0 ? null : HubClock.ToInstant(micros);

    private static IResult Error(string problem, int status) => Results.Json(new { error = problem }, statusCode: status);

    private static bool TryVerifyCap(string text, out Cap? cap, out StorageIndex index, out string problem)
    {
        cap = null;
        index = default!;
        Cap parsed;
        try
        {
            parsed = Cap.Parse(text);
        }
        catch (CapFormatException e)
        {
            problem = $"cap: {e.Message}";
            return false;
        }

        switch (parsed)
        {
            case ChkVerifyCap or MutableVerifyCap:
                cap = parsed;
                parsed.TryGetStorageIndex(out index);
                problem = "";
                return true;
            case ChkReadCap or MutableReadCap or MutableWriteCap:
                problem = "send the file's verify cap (URI:CHK-Verifier:, URI:SSK-Verifier: or URI:MDMF-Verifier:), never a read or write cap: the hub keeps files without being able to read them";
                return false;
            case DirectoryCap:
                problem = "send the verify cap of the directory's file (URI:SSK-Verifier:, URI:MDMF-Verifier: or URI:CHK-Verifier:), not a directory cap";
                return false;
            default:
                problem = "the keeper keeps immutable and mutable files by their verify caps; a literal file lives in its cap";
                return false;
        }
    }

    private static async Task<(KeeperRequest? Request, string Problem, int Status)> ReadAsync(HttpContext context, HubOptions options, TimeProvider time)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return (null, $"the body is larger than {MaxBodyBytes} bytes", 413);
        }

        using var body = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (body.Length + read > MaxBodyBytes)
            {
                return (null, $"the body is larger than {MaxBodyBytes} bytes", 413);
            }

            body.Write(buffer, 0, read);
        }

        string text;
        KeeperRequest? request;
        try
        {
            text = new UTF8Encoding(false, true).GetString(body.GetBuffer(), 0, (int)body.Length);
            request = JsonSerializer.Deserialize<KeeperRequest>(text, KeeperRequest.Json);
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException)
        {
            return (null, $"the body is not a keeper request: {e.Message}", 400);
        }

        if (request is null || string.IsNullOrEmpty(request.Client) || string.IsNullOrEmpty(request.Action))
        {
            return (null, "the body is not a keeper request: it needs \"client\", \"time\" and \"action\"", 400);
        }

        if (context.Request.Headers[KeeperRequest.SignatureHeader].ToString() is not { Length: > 0 } signature)
        {
            return (null, $"the request is not signed: the {KeeperRequest.SignatureHeader} header must hold the client key's signature of the body", 401);
        }

        try
        {
            if (!BitcoinMessage.Verify(request.Client, signature, text))
            {
                return (null, "the signature is not the client's", 401);
            }
        }
        catch (FormatException e)
        {
            return (null, $"the client address or signature is malformed: {e.Message}", 400);
        }

        var skew = Math.Abs(time.GetUtcNow().ToUnixTimeSeconds() - request.Time);
        return skew > options.AuthWindowSeconds
            ? (null, $"the request's time is {skew} s from the hub's clock, more than the {options.AuthWindowSeconds} s allowed", 401)
            : (request, "", 200);
    }
}
