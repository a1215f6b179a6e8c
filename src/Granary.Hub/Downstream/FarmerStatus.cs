namespace Granary.Hub.Downstream;

/// <summary>
/// A farmer's standing at one instant (proofs-of-storage §2.7, §2.9): its online contracts and
/// bytes, its latest due time, and its uptime, the union of each contract's
/// <c>[start, min(expiration, now)]</c> over the time since its first contract started.
/// </summary>
internal sealed class FarmerStatus
{
    public FarmerStatus(FarmerToken token, List<Contract> contracts, long nowMicros)
    {
        Token = token;
        long online = 0;
        long? firstStart = null;
        long coveredUntil = long.MinValue;
        foreach (var contract in contracts.OrderBy(c => c.StartMicros))
        {
            firstStart ??= contract.StartMicros;
            var end = Math.Min(contract.ExpirationMicros, nowMicros);
            var start = Math.Max(contract.StartMicros, coveredUntil);
            if (end > start)
            {
                online += end - start;
            }

            coveredUntil = Math.Max(coveredUntil, end);
            LastDueMicros = Math.Max(LastDueMicros ?? long.MinValue, contract.DueMicros);
            if (contract.IsOnline(nowMicros))
            {
                OnlineContracts++;
                OnlineBytes += contract.Size;
            }
        }

        OnlineSeconds = online / (double)HubClock.MicrosPerSecond;
        var span = firstStart is { } first ? nowMicros - first : 0;
        UptimePercent = span > 0 ? online / (double)span * 100 : 0;
    }

    public FarmerToken Token { get; }

    public long OnlineContracts { get; }

    public long OnlineBytes { get; }

    public bool Online => OnlineContracts > 0;

    public long? LastDueMicros { get; }

    public double OnlineSeconds { get; }

    public double UptimePercent { get; }
}
