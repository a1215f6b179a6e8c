using System.Text.Json;
using System.Text.Json.Serialization;

namespace Granary.Core.Protocol;

/// <summary>
/// A client's request to a hub's keeper (<c>POST /api/keeper/keep</c>): keep a file (by its verify
/// cap, never its read cap), forget one, or list what the client keeps there. The body is this JSON;
/// the header <see cref="SignatureHeader"/> carries the client key's bitcoin-message signature of the
/// body's exact bytes, and <see cref="Time"/> must be within the hub's authentication window.
/// </summary>
public sealed record KeeperRequest(string Client, long Time, string Action, string? Cap)
{
    public const string Path = "api/keeper/keep";
    public const string SignatureHeader = "X-Granary-Signature";
    public const string Keep = "keep";
    public const string Forget = "forget";
    public const string List = "list";

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>The hub's answer about one kept file.</summary>
public sealed record KeptFileAnswer(string StorageIndex, string? VerifyCap, int Shares, int HealthyShares, bool AlreadyKept);

/// <summary>The hub's answer to a list request.</summary>
public sealed record KeptFileList(IReadOnlyList<KeptFileAnswer> Files);
