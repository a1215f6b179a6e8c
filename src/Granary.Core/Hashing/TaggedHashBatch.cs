using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace Granary.Core.Hashing;

/// <summary>
/// Computes <c>H(tag, message)</c> for many independent messages. On AVX-512 machines the inner
/// SHA-256 runs sixteen messages at a time (<see cref="Sha256x16"/>): jobs are taken longest first
/// and each lane picks up the next job as soon as its own ends, so lanes stay busy when lengths
/// differ. The short outer SHA-256 of each 32-byte digest goes to the platform. Elsewhere, or when
/// the jobs would leave too many lanes idle, each message is hashed on its own.
/// </summary>
/// <remarks>
/// Jobs point at memory the caller keeps pinned until <see cref="Run()"/> returns. A batch is reused:
/// <see cref="Run()"/> clears it, and after the first few runs it allocates nothing.
/// </remarks>
internal sealed unsafe class TaggedHashBatch
{
    /// <summary>
    /// The share of lane time that must do useful work for lanes to beat one-at-a-time hashing: a
    /// sixteen-lane step costs about as much as 9.5 single-stream SHA-NI blocks (measured: 3.3 GB/s in
    /// full lanes against 1.9 GB/s for one stream).
    /// </summary>
    public const double MinimumLaneEfficiency = 0.6;

    private const int BlockSize = 64;

    private Job[] _jobs = new Job[32];
    private int[] _blockCounts = new int[32];
    private int _count;

    public int Count => _count;

    /// <summary>Whether this machine hashes in lanes.</summary>
    public static bool UsesLanes => Sha256x16.IsSupported;

    /// <summary>Queues <c>H(tag, data[0:length])</c> to be written to the 32 bytes at <paramref name="destination"/>.</summary>
    public void Add(HashTag tag, byte* data, int length, byte* destination)
    {
        if (_count == _jobs.Length)
        {
            Array.Resize(ref _jobs, _jobs.Length * 2);
        }

        _jobs[_count++] = new Job(tag, data, length, destination, (tag.Prefix.Length + length + 9 + BlockSize - 1) / BlockSize);
    }

    public void Run()
    {
        if (_blockCounts.Length < _count)
        {
            _blockCounts = new int[_jobs.Length];
        }

        var blocks = _blockCounts.AsSpan(0, _count);
        for (var i = 0; i < _count; i++)
        {
            blocks[i] = _jobs[i].Blocks;
        }

        Run(UsesLanes && LaneEfficiency(blocks) >= MinimumLaneEfficiency);
    }

    /// <summary>
    /// The fraction of lane steps that would do useful work if jobs of these block counts were
    /// scheduled longest first, each onto the lane that frees up soonest. Sorts <paramref name="jobBlocks"/>.
    /// </summary>
    public static double LaneEfficiency(Span<int> jobBlocks)
    {
        if (jobBlocks.IsEmpty)
        {
            return 0;
        }

        jobBlocks.Sort(static (x, y) => y.CompareTo(x));
        Span<long> lanes = stackalloc long[Sha256x16.Lanes];
        long total = 0;
        foreach (var blocks in jobBlocks)
        {
            var soonest = 0;
            for (var lane = 1; lane < lanes.Length; lane++)
            {
                if (lanes[lane] < lanes[soonest])
                {
                    soonest = lane;
                }
            }

            lanes[soonest] += blocks;
            total += blocks;
        }

        long makespan = 0;
        foreach (var load in lanes)
        {
            makespan = Math.Max(makespan, load);
        }

        return (double)total / (makespan * Sha256x16.Lanes);
    }

    internal void Run(bool lanes)
    {
        try
        {
            if (lanes)
            {
                RunInLanes();
            }
            else
            {
                for (var i = 0; i < _count; i++)
                {
                    ref var job = ref _jobs[i];
                    job.Tag.Hash(new ReadOnlySpan<byte>(job.Data, job.Length), new Span<byte>(job.Destination, Sha256d.HashSize));
                }
            }
        }
        finally
        {
            _count = 0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunInLanes()
    {
        var jobs = _jobs.AsSpan(0, _count);
        jobs.Sort(static (x, y) => y.Blocks.CompareTo(x.Blocks));

        var state = stackalloc Vector512<uint>[8];
        var blocks = stackalloc byte*[Sha256x16.Lanes];
        var scratch = stackalloc byte[Sha256x16.Lanes * BlockSize];
        var idle = stackalloc byte[BlockSize];
        new Span<byte>(idle, BlockSize).Clear();
        Span<int> laneJob = stackalloc int[Sha256x16.Lanes];
        Span<int> laneBlock = stackalloc int[Sha256x16.Lanes];
        Span<byte> inner = stackalloc byte[Sha256d.HashSize];

        for (var i = 0; i < 8; i++)
        {
            state[i] = Vector512.Create(Sha256x16.InitialState[i]);
        }

        var next = 0;
        var active = 0;
        for (var lane = 0; lane < Sha256x16.Lanes; lane++)
        {
            laneJob[lane] = next < jobs.Length ? next++ : -1;
            laneBlock[lane] = 0;
            active += laneJob[lane] >= 0 ? 1 : 0;
        }

        while (active > 0)
        {
            for (var lane = 0; lane < Sha256x16.Lanes; lane++)
            {
                blocks[lane] = laneJob[lane] < 0
                    ? idle
                    : BlockOf(ref jobs[laneJob[lane]], laneBlock[lane], scratch + lane * BlockSize);
            }

            Sha256x16.Compress(state, blocks);

            for (var lane = 0; lane < Sha256x16.Lanes; lane++)
            {
                if (laneJob[lane] < 0 || ++laneBlock[lane] < jobs[laneJob[lane]].Blocks)
                {
                    continue;
                }

                // This lane's message is done: finish its hash, then start the next job in it.
                for (var i = 0; i < 8; i++)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(inner[(4 * i)..], state[i].GetElement(lane));
                    state[i] = state[i].WithElement(lane, Sha256x16.InitialState[i]);
                }

                SHA256.HashData(inner, new Span<byte>(jobs[laneJob[lane]].Destination, Sha256d.HashSize));
                laneBlock[lane] = 0;
                if (next < jobs.Length)
                {
                    laneJob[lane] = next++;
                }
                else
                {
                    laneJob[lane] = -1;
                    active--;
                }
            }
        }
    }

    // Block b of the padded message ns(tag) || data || 0x80 || zeros || bit length: straight from the
    // caller's memory when it lies wholly in the data, else assembled in the lane's scratch block.
    // Called sixteen times per compression, it is compiled fully optimized from the first call.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte* BlockOf(ref Job job, int b, byte* scratch)
    {
        var prefix = job.Tag.Prefix;
        long start = (long)b * BlockSize;
        long total = prefix.Length + (long)job.Length;
        if (start >= prefix.Length && start + BlockSize <= total)
        {
            return job.Data + (start - prefix.Length);
        }

        var block = new Span<byte>(scratch, BlockSize);
        block.Clear();
        if (start < prefix.Length)
        {
            prefix[(int)start..(int)Math.Min(prefix.Length, start + BlockSize)].CopyTo(block);
        }

        var dataFrom = Math.Max(start, prefix.Length);
        var dataTo = Math.Min(start + BlockSize, total);
        if (dataTo > dataFrom)
        {
            new ReadOnlySpan<byte>(job.Data + (dataFrom - prefix.Length), (int)(dataTo - dataFrom)).CopyTo(block[(int)(dataFrom - start)..]);
        }

        if (total >= start && total < start + BlockSize)
        {
            block[(int)(total - start)] = 0x80;
        }

        if (b == job.Blocks - 1)
        {
            BinaryPrimitives.WriteUInt64BigEndian(block[56..], (ulong)total * 8);
        }

        return scratch;
    }

    private readonly struct Job(HashTag tag, byte* data, int length, byte* destination, int blocks)
    {
        public HashTag Tag { get; } = tag;

        public byte* Data { get; } = data;

        public int Length { get; } = length;

        public byte* Destination { get; } = destination;

        /// <summary>64-byte blocks of the padded inner message.</summary>
        public int Blocks { get; } = blocks;
    }
}
