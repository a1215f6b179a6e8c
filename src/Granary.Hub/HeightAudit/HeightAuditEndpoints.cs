using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Granary.Core.Proofs;
using Granary.Core.Protocol;
using Granary.Hub.Data;
using Granary.Hub.Dataserv;
using Granary.Hub.Downstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Granary.Hub.HeightAudit;

/// <summary>
/// The hub's audit of a dataserv farmer's claimed height (<see cref="HeightAuditProtocol"/>): a
/// farmer asks for its challenge and answers it, signed as it signs its dataserv calls. The hub
/// needs no copy of the shards: each is the RandomIO stream of a seed chained from the farmer's
/// payout address, so the hub generates just the pieces the challenge picks and compares.
/// </summary>
/// <remarks>
/// One challenge is open per farmer: asking again returns it until it is judged or its deadline
/// passes (then it is judged failed and a new one is issued). Answering closes it, so an answer
/// cannot be replayed. The shards are picked at random from all the farmer claims, so a farmer
/// holding a fraction f of its height passes with probability about f³.
/// </remarks>
internal static class HeightAuditEndpoints
{
    /// <summary>Shards asked per challenge (fewer when the farmer claims fewer).</summary>
    public const int ShardsPerChallenge = 3;

    /// <summary>How long a farmer has to answer: reading 3 KiB of each of a few shards takes milliseconds.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    public static IEndpointRouteBuilder MapHeightAudit(
        this IEndpointRouteBuilder app, FarmerStore farmers, HeightAuditStore audits, DataservAuthenticator authenticator, TimeProvider time, ILogger logger)
    {
        var route = "/" + HeightAuditProtocol.Path + "/{address}";
        app.MapGet(route, async (HttpContext context, string address) =>
        {
            var ct = context.RequestAborted;
            var (farmer, refusal) = await FarmerAsync(context, address, farmers, authenticator, ct).ConfigureAwait(false);
            if (farmer is null)
            {
                return refusal!;
            }

            if (farmer.Height == 0)
            {
                return Error($"{address} claims no height: there is nothing to audit", 409);
            }

            var now = time.Micros();
            var open = await audits.OpenAsync(address, ct).ConfigureAwait(false);
            if (open is not null && open.DueAt <= now && await audits.JudgeAsync(open.Id, false, "not answered in time", now, ct).ConfigureAwait(false))
            {
                HeightAuditLog.Judged(logger, address, false, "not answered in time");
                open = null;
            }

            open ??= await audits.IssueAsync(
                address, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), PickShards(farmer.Height), farmer.Height, now,
                now + (long)Deadline.TotalMicroseconds, ct).ConfigureAwait(false);
            return Results.Json(
                new HeightChallengeMessage(open.Challenge, open.Shards, open.Height, (open.DueAt - now) / (double)HubClock.MicrosPerSecond), HeightAuditProtocol.Json);
        });

        app.MapPost(route, async (HttpContext context, string address) =>
        {
            var ct = context.RequestAborted;
            var (farmer, refusal) = await FarmerAsync(context, address, farmers, authenticator, ct).ConfigureAwait(false);
            if (farmer is null)
            {
                return refusal!;
            }

            HeightAnswerMessage? answer;
            try
            {
                answer = await JsonSerializer.DeserializeAsync<HeightAnswerMessage>(context.Request.Body, HeightAuditProtocol.Json, ct).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                return Error($"the answer is not JSON of the height audit's form: {e.Message}", 400);
            }

            if (answer is not { Challenge: not null, Answers: not null } || answer.Answers.Any(a => a is null))
            {
                return Error("the answer names its \"challenge\" and lists \"answers\" of {\"shard\", \"hash\"}", 400);
            }

            var now = time.Micros();
            var open = await audits.OpenAsync(address, ct).ConfigureAwait(false);
            if (open is null)
            {
                return Error($"no height challenge is open for {address}: ask for one first (GET)", 409);
            }

            if (!string.Equals(open.Challenge, answer.Challenge, StringComparison.Ordinal))
            {
                return Error("that is not the open challenge", 409);
            }

            var (passed, detail) = open.DueAt <= now ? (false, "answered after the deadline") : Judge(open, farmer.PayoutAddr, answer);
            if (!await audits.JudgeAsync(open.Id, passed, detail, now, ct).ConfigureAwait(false))
            {
                return Error("the challenge was answered already", 409);
            }

            HeightAuditLog.Judged(logger, address, passed, detail);
            return Results.Json(new HeightVerdictMessage(passed, detail), HeightAuditProtocol.Json);
        });
        return app;
    }

    // Each asked shard regenerated where the challenge samples it, and compared.
    private static (bool Passed, string Detail) Judge(HeightChallenge open, string payoutAddress, HeightAnswerMessage answer)
    {
        var given = answer.Answers.GroupBy(a => a.Shard).ToDictionary(g => g.Key, g => g.First().Hash);
        var seeds = HeightShards.Seeds(payoutAddress, (int)open.Shards.Max());
        var challenge = Encoding.UTF8.GetBytes(open.Challenge);
        foreach (var shard in open.Shards)
        {
            if (!given.TryGetValue(shard, out var hash))
            {
                return (false, $"no answer for shard {shard}");
            }

            using var stream = new RandomIoStream(seeds[shard - 1], HeightShards.ShardSize);
            if (!string.Equals(HeightShards.AuditShard(stream, challenge), hash, StringComparison.OrdinalIgnoreCase))
            {
                return (false, $"shard {shard} answered wrongly: the farmer does not hold it as built");
            }
        }

        return (true, $"shards {HeightChallenge.ShardList(open.Shards)} of {open.Height} answered");
    }

    private static long[] PickShards(int height)
    {
        var picked = new SortedSet<long>();
        while (picked.Count < Math.Min(ShardsPerChallenge, height))
        {
            picked.Add(RandomNumberGenerator.GetInt32(height) + 1);
        }

        return [.. picked];
    }

    private static async Task<(Farmer? Farmer, IResult? Refusal)> FarmerAsync(
        HttpContext context, string address, FarmerStore farmers, DataservAuthenticator authenticator, CancellationToken cancellationToken)
    {
        switch (authenticator.Check(address, context.Request.Headers.Authorization, context.Request.Headers.Date))
        {
            case AuthOutcome.Malformed:
                return (null, Error("the Authorization header is not a base64 signature of 65 bytes", 400));
            case AuthOutcome.Refused:
                return (null, Error("Invalid authentication headers.", 401));
        }

        var farmer = await farmers.FindAsync(address, cancellationToken).ConfigureAwait(false);
        return farmer is null ? (null, Error($"no farmer is registered as {address}", 404)) : (farmer, null);
    }

    private static IResult Error(string message, int status) => Results.Json(new { error = message }, HeightAuditProtocol.Json, statusCode: status);
}

internal static partial class HeightAuditLog
{
    [LoggerMessage(2401, LogLevel.Information, "Height audit of farmer {Address}: {Outcome}")]
    private static partial void Outcome(ILogger logger, string address, string outcome);

    public static void Judged(ILogger logger, string address, bool passed, string detail) => Outcome(logger, address, (passed ? "passed, " : "failed, ") + detail);
}
