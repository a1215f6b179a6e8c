namespace Granary.Core.Erasure;

/// <summary>How to decode from one ordered set of shares: which data blocks are missing and the matrix that makes them.</summary>
internal sealed record DecodePlan(int[] ShareNumbers, int[] Missing, PreparedMatrix Matrix);

/// <summary>
/// The decode plans of the last few erasure patterns. A download usually reads every segment from
/// the same k shares, so a short list searched in order hits almost always and allocates nothing.
/// </summary>
internal sealed class DecodePlanCache
{
    private const int Capacity = 8;
    private readonly DecodePlan?[] _plans = new DecodePlan?[Capacity];
    private int _next;

    public DecodePlan? Find(ReadOnlySpan<int> shareNumbers)
    {
        foreach (var plan in _plans)
        {
            if (plan is not null && shareNumbers.SequenceEqual(plan.ShareNumbers))
            {
                return plan;
            }
        }

        return null;
    }

    public DecodePlan Add(DecodePlan plan)
    {
        var slot = (uint)Interlocked.Increment(ref _next) % Capacity;
        Volatile.Write(ref _plans[slot], plan);
        return plan;
    }
}
