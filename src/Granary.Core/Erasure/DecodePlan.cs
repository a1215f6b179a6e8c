using System.Runtime.InteropServices;

namespace Granary.Core.Erasure;

/// <summary>
/// How to decode from one ordered set of shares: which data blocks are missing and the rows of the
/// inverted matrix that rebuild them, prepared for the kernel (row r writes data block Missing[r]).
/// </summary>
internal sealed record DecodePlan(int[] ShareNumbers, int[] Missing, PreparedMatrix Matrix);

/// <summary>
/// The decode plans of recent erasure patterns, bounded at <see cref="Capacity"/>: a pattern's hash
/// picks one set of <see cref="Ways"/> slots, and a new plan replaces the set's slots in turn. A
/// download reads every segment from the same k shares, so nearly every call hits, and a hit costs
/// a hash and one comparison per slot of the set, with no lock and no allocation. Many downloads of
/// one shape at once (a gateway, a repairer), each with its own pattern, share 64 slots instead of
/// pushing each other out of a short list, which would mean inverting a k × k matrix per segment.
/// Thread-safe: a slot holds an immutable plan, read and replaced whole.
/// </summary>
internal sealed class DecodePlanCache
{
    public const int Capacity = Sets * Ways;
    public const int Ways = 4;
    private const int Sets = 16;
    private readonly DecodePlan?[] _plans = new DecodePlan?[Capacity];
    private readonly int[] _nextWay = new int[Sets];

    public DecodePlan? Find(ReadOnlySpan<int> shareNumbers)
    {
        var set = SetOf(shareNumbers) * Ways;
        for (var way = 0; way < Ways; way++)
        {
            var plan = Volatile.Read(ref _plans[set + way]);
            if (plan is not null && shareNumbers.SequenceEqual(plan.ShareNumbers))
            {
                return plan;
            }
        }

        return null;
    }

    public DecodePlan Add(DecodePlan plan)
    {
        var set = SetOf(plan.ShareNumbers);
        var way = (uint)Interlocked.Increment(ref _nextWay[set]) % Ways;
        Volatile.Write(ref _plans[set * Ways + (int)way], plan);
        return plan;
    }

    private static int SetOf(ReadOnlySpan<int> shareNumbers)
    {
        var hash = new HashCode();
        hash.AddBytes(MemoryMarshal.AsBytes(shareNumbers));
        return (int)((uint)hash.ToHashCode() % Sets);
    }
}
