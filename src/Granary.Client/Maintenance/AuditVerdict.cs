namespace Granary.Client.Maintenance;

/// <summary>
/// How one audit of one share went. <paramref name="Failure"/> is a short reason for people and
/// logs ("share not held", "block 3 does not hash to its leaf", "timed out", "unreachable: …"); null when it passed.
/// </summary>
public sealed record AuditVerdict(bool Passed, string? Failure)
{
    public static AuditVerdict Pass { get; } = new(true, null);

    public static AuditVerdict Fail(string failure) => new(false, failure);
}
