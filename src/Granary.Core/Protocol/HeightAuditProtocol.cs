using System.Text.Json;

namespace Granary.Core.Protocol;

/// <summary>
/// Granary's audit of a dataserv farmer's claimed height, between the hub and the farmer. It lives
/// in Granary's own namespace: dataserv 2.2.11 has no audit route (its <c>/api/audit/…</c> answers
/// 404, and stays so here for its clients). <c>GET {Path}/ADDRESS</c>, signed with the dataserv
/// headers (<see cref="DataservAuthentication"/>), gives the farmer's open challenge: a challenge
/// text and a few of its shards, chosen at random; <c>POST</c> the answers before the deadline and
/// the hub judges them. The answer for shard h is <c>hex(partialhash.sample(shard h, 1024, 3,
/// UTF-8 of the challenge))</c>, what <c>granary farm audit</c> computes.
/// </summary>
public static class HeightAuditProtocol
{
    public const string Path = "api/granary/v1/height-audit";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}

/// <summary>The hub's challenge: answer for each of <paramref name="Shards"/> (1-based heights) within <paramref name="DueSeconds"/>.</summary>
public sealed record HeightChallengeMessage(string Challenge, IReadOnlyList<long> Shards, int Height, double DueSeconds);

/// <summary>One shard's answer: <c>hex(sample(shard, 1024, 3, challenge))</c>.</summary>
public sealed record HeightShardAnswer(long Shard, string Hash);

/// <summary>The farmer's answers to the open challenge named by <paramref name="Challenge"/>.</summary>
public sealed record HeightAnswerMessage(string Challenge, IReadOnlyList<HeightShardAnswer> Answers);

/// <summary>The hub's judgement.</summary>
public sealed record HeightVerdictMessage(bool Passed, string Detail);
