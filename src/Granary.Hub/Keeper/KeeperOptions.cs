namespace Granary.Hub.Keeper;

/// <summary>
/// The keeper's settings (<c>keeper</c> in hub.json): how often it audits and checks, how it judges
/// nodes and how much repair it does at once. The defaults suit a real network (hours); tests and a
/// local grid shorten the intervals to seconds.
/// </summary>
public sealed class KeeperOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Seconds between audit passes.</summary>
    public int AuditIntervalSeconds { get; set; } = 3600;

    /// <summary>Seconds between checker passes (reachability, lease renewal, counting healthy shares, repair).</summary>
    public int CheckerIntervalSeconds { get; set; } = 4 * 3600;

    /// <summary>Shares audited per pass, least recently audited first, so every kept share is audited in turn.</summary>
    public int AuditsPerPass { get; set; } = 1000;

    /// <summary>Random blocks asked for in one audit.</summary>
    public int BlocksPerAudit { get; set; } = 1;

    /// <summary>An answer later than this is a failed audit.</summary>
    public int AuditTimeoutSeconds { get; set; } = 10;

    /// <summary>Audits in flight at once.</summary>
    public int AuditConcurrency { get; set; } = 32;

    /// <summary>λ, how much of its past a reputation keeps at each audit.</summary>
    public double ReputationLambda { get; set; } = 0.95;

    /// <summary>A node whose score falls below this is disqualified.</summary>
    public double DisqualifyBelow { get; set; } = 0.6;

    /// <summary>Audits a node passes before it is vetted.</summary>
    public int VettingAudits { get; set; } = 10;

    /// <summary>A kept file with fewer healthy shares than this is repaired; 0: the hub's advised happiness (capped at the file's n).</summary>
    public int RepairThreshold { get; set; }

    /// <summary>Files repaired at once.</summary>
    public int RepairConcurrency { get; set; } = 2;

    /// <summary>Bytes per second one repair may upload; 0: no cap.</summary>
    public long RepairBytesPerSecond { get; set; }

    /// <summary>The hub renews its lease on a share this long after it last did.</summary>
    public int LeaseRenewSeconds { get; set; } = 7 * 86400;

    /// <summary>Files one client may ask the hub to keep.</summary>
    public int MaxFilesPerClient { get; set; } = 100_000;

    public void Validate()
    {
        Require(AuditIntervalSeconds is >= 1 and <= 86400 * 30, "keeper.auditIntervalSeconds must be between 1 and 30 days");
        Require(CheckerIntervalSeconds is >= 1 and <= 86400 * 30, "keeper.checkerIntervalSeconds must be between 1 and 30 days");
        Require(AuditsPerPass is >= 1 and <= 10_000_000, "keeper.auditsPerPass must be between 1 and 10,000,000");
        Require(BlocksPerAudit is >= 1 and <= 16, "keeper.blocksPerAudit must be between 1 and 16");
        Require(AuditTimeoutSeconds is >= 1 and <= 600, "keeper.auditTimeoutSeconds must be between 1 and 600");
        Require(AuditConcurrency is >= 1 and <= 1024, "keeper.auditConcurrency must be between 1 and 1024");
        Require(ReputationLambda is > 0 and < 1, "keeper.reputationLambda must be between 0 and 1 (exclusive)");
        Require(DisqualifyBelow is >= 0 and < 1, "keeper.disqualifyBelow must be at least 0 and below 1");
        Require(VettingAudits is >= 0 and <= 1_000_000, "keeper.vettingAudits must be between 0 and 1,000,000");
        Require(RepairThreshold is >= 0 and <= 256, "keeper.repairThreshold must be between 0 and 256");
        Require(RepairConcurrency is >= 1 and <= 64, "keeper.repairConcurrency must be between 1 and 64");
        Require(RepairBytesPerSecond >= 0, "keeper.repairBytesPerSecond must not be negative");
        Require(LeaseRenewSeconds >= 1, "keeper.leaseRenewSeconds must be at least 1");
        Require(MaxFilesPerClient >= 1, "keeper.maxFilesPerClient must be at least 1");
    }

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Invalid hub configuration: {problem}.");
        }
    }
}
