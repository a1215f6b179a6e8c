using System.Text.Json;
using System.Text.Json.Serialization;

namespace Granary.Core.Protocol;

/// <summary>
/// The names the HTTP storage protocol (docs/storage-protocol.md) uses on the wire, shared by the
/// node that serves it and the client that speaks it.
/// </summary>
public static class StorageProtocol
{
    public const string Version = "granary-storage/1";
    public const string AuthorizationScheme = "Granary";

    /// <summary>The header carrying per-request secrets, one <c>kind base64</c> value per secret.</summary>
    public const string SecretHeader = "X-Granary-Authorization";

    public const string LeaseRenewSecret = "lease-renew-secret";
    public const string LeaseCancelSecret = "lease-cancel-secret";
    public const string UploadSecret = "upload-secret";
    public const string WriteEnabler = "write-enabler";

    /// <summary>The header carrying a raw mutable write's tests, <c>OFFSET SIZE BASE64</c> each.</summary>
    public const string TestHeader = "X-Granary-Test";

    /// <summary>Share numbers run 0 … 255 (n ≤ 256).</summary>
    public const int MaxShareNumber = 255;

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}

/// <summary><c>GET /storage/v1/version</c>.</summary>
public sealed record StorageVersion(
    string Protocol,
    string ApplicationVersion,
    string NodeId,
    long MaximumImmutableShareSize,
    long MaximumMutableShareSize,
    long AvailableSpace,
    long TotalCapacity,
    long LeaseDurationSeconds);

/// <summary>Body of <c>POST /storage/v1/immutable/{si}</c>.</summary>
public sealed record AllocateRequest(IReadOnlyList<int> ShareNumbers, long AllocatedSize);

/// <summary>Which shares the node already holds and which it has made room for; the rest it refused.</summary>
public sealed record AllocateResult(IReadOnlyList<int> AlreadyHave, IReadOnlyList<int> Allocated);

/// <summary>A half-open byte range <c>[Begin, End)</c>.</summary>
public sealed record ByteRange(long Begin, long End);

/// <summary>After a write: the ranges still missing before the share is complete (none once it is).</summary>
public sealed record UploadProgress(IReadOnlyList<ByteRange> Required);

/// <summary>Body of <c>POST …/corrupt</c>: why, and optionally which blocks (by segment number) failed their hashes.</summary>
public sealed record CorruptionReport(string Reason, IReadOnlyList<int>? Blocks = null);

/// <summary>
/// Answer to <c>POST …/corrupt</c>: whether the node's own check confirms the share is corrupt (an
/// upload of the share may then replace it), and what it found.
/// </summary>
public sealed record CorruptionFinding(bool Confirmed, string? Finding = null);

/// <summary>Body of <c>POST /storage/v1/immutable/{si}/{n}/proof</c>: the blocks (segment numbers, 1 to 16, distinct) to prove.</summary>
public sealed record ProofRequest(IReadOnlyList<int>? Blocks);

/// <summary>Every 4xx answer's body.</summary>
public sealed record ErrorBody(string Error);

/// <summary>A test of a mutable share: the bytes at <c>Offset</c> must equal <c>Specimen</c>.</summary>
public sealed record TestVector(long Offset, long Size, byte[] Specimen);

/// <summary>A write to a mutable share.</summary>
public sealed record WriteVector(long Offset, byte[] Data);

/// <summary>What to test and write in one mutable share; <c>NewLength</c> truncates or extends afterwards.</summary>
public sealed record TestWriteVectors(IReadOnlyList<TestVector> Test, IReadOnlyList<WriteVector> Write, long? NewLength = null);

/// <summary>A range to read from every mutable share of the slot, before any write.</summary>
public sealed record ReadVector(long Offset, long Size);

/// <summary>Body of <c>POST /storage/v1/mutable/{si}/read-test-write</c>; share numbers are the dictionary keys.</summary>
public sealed record ReadTestWriteRequest(IReadOnlyDictionary<string, TestWriteVectors> TestWriteVectors, IReadOnlyList<ReadVector> ReadVector);

/// <summary>Answer to a raw mutable write (<c>PATCH …/mutable/{si}/{n}</c>): whether its tests passed, and so the bytes were written.</summary>
public sealed record MutableWriteResult(bool Success);

/// <summary>Whether every test passed (and so every write happened), and what the read vector read.</summary>
public sealed record ReadTestWriteResult(bool Success, IReadOnlyDictionary<string, IReadOnlyList<byte[]>> Data);
