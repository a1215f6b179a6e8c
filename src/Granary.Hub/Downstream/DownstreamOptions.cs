namespace Granary.Hub.Downstream;

/// <summary>
/// The downstream node's settings (proofs-of-storage §2.10): the <c>downstream</c> section of
/// hub.json (<c>GRANARY_HUB_DOWNSTREAM__…</c> in the environment, flags of <c>hub run</c>).
/// </summary>
public sealed class DownstreamOptions
{
    /// <summary>The node's DEFAULT_CHUNK_SIZE, the seed's "32 MB genesis".</summary>
    public const long DefaultChunkSize = 33_554_432;

    /// <summary>The node's MAX_CHUNKS_PER_REQUEST.</summary>
    public const int MaxChunksPerRequest = 10;

    /// <summary>Seconds per challenge round (the node's DEFAULT_INTERVAL); each contract keeps the value it was made with.</summary>
    public int ContractIntervalSeconds { get; set; } = 300;

    /// <summary>Addresses that may register a token; empty: anyone may.</summary>
    public List<string> Whitelist { get; set; } = [];

    /// <summary>The size of every chunk the hub hands out (and what <c>/chunk/&lt;token&gt;</c> without a size asks for).</summary>
    public long TestChunkSize { get; set; } = DefaultChunkSize;

    /// <summary>Tokens one client IP may hold (MAX_TOKENS_PER_IP); 0 means no limit.</summary>
    public int MaxTokensPerIp { get; set; } = 5;

    /// <summary>Contract bytes one address may ever be given, over all its tokens (MAX_SIZE_PER_ADDRESS).</summary>
    public long MaxContractBytes { get; set; } = 1L << 30;

    internal TimeSpan Interval => TimeSpan.FromSeconds(ContractIntervalSeconds);

    internal void Validate()
    {
        Require(ContractIntervalSeconds is >= 1 and <= 86400 * 30, "downstream.contractIntervalSeconds must be between 1 and 30 days");
        Require(TestChunkSize is >= 1 and <= 1L << 30, "downstream.testChunkSize must be between 1 byte and 1 GiB");
        Require(MaxTokensPerIp >= 0, "downstream.maxTokensPerIp must not be negative");
        Require(MaxContractBytes >= 0, "downstream.maxContractBytes must not be negative");
        Require(Whitelist.TrueForAll(address => !string.IsNullOrWhiteSpace(address)), "downstream.whitelist holds an empty address");
    }

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Invalid hub configuration: {problem}.");
        }
    }
}
