namespace Granary.Core.Chk;

/// <summary>
/// The two passes of encoding a file from a seekable stream, spread over the machine's cores.
/// </summary>
/// <remarks>
/// Pass 1 (the convergent key) is one SHA-256 stream and cannot be split; a reader thread keeps
/// the hashing thread fed. Pass 2 reads batches of segments straight into where their data blocks
/// go; worker threads encrypt them in place, add the parity blocks and hash every block and segment
/// of the batch together (so the SHA-256 lanes stay full); the consumer then takes batches in order
/// for the flat crypttext hash — the one sequential step of pass 2 — and the sink. A batch is sized
/// so its hash jobs fill the lanes well, within <see cref="MaxBatchBytes"/>.
/// </remarks>
internal static class ChkPipeline
{
    /// <summary>The most one batch of encoded segments may occupy.</summary>
    public const int MaxBatchBytes = 24 * 1024 * 1024;

    private const int KeyPassBatchBytes = 4 * 1024 * 1024;

    public static async Task<byte[]> DeriveKeyAsync(
        Stream input, ChkParameters chk, ReadOnlyMemory<byte> convergenceSecret, IProgress<EncodeProgress>? progress, CancellationToken cancellationToken)
    {
        var perBatch = Math.Clamp(KeyPassBatchBytes / chk.SegmentSize, 1, chk.SegmentCount);
        var batches = (chk.SegmentCount + perBatch - 1) / perBatch;
        using var hasher = new ConvergentKeyHasher(convergenceSecret.Span, chk);
        using var ring = new BatchRing(3, perBatch * chk.SegmentSize, cancellationToken);
        ring.StartReader(batches, (batch, slot) => ReadSegments(input, chk, batch * perBatch, perBatch, chk.SegmentSize, slot), toWorkers: false);
        long done = 0;
        for (var batch = 0; batch < batches; batch++)
        {
            var slot = await ring.NextAsync(batch).ConfigureAwait(false);
            var bytes = (int)(chk.SegmentOffset(slot.FirstSegment + slot.Count - 1) + chk.SegmentLengthOf(slot.FirstSegment + slot.Count - 1) - chk.SegmentOffset(slot.FirstSegment));
            hasher.Append(slot.Buffer.AsSpan(0, bytes));
            ring.Release(slot);
            done += bytes;
            progress?.Report(new EncodeProgress(EncodePhase.DerivingKey, done, chk.Size));
        }

        return hasher.Finish();
    }

    public static async Task<ChkEncoding> EncodeAsync(
        Stream input,
        ChkParameters chk,
        byte[] key,
        IChkSegmentSink? sink,
        IProgress<EncodeProgress>? progress,
        int threads,
        CancellationToken cancellationToken)
    {
        using var encoder = new ChkEncoder(chk, key);
        var perBatch = Math.Min(SegmentsPerBatch(chk), chk.SegmentCount);
        var batches = (chk.SegmentCount + perBatch - 1) / perBatch;
        var workers = Math.Clamp(threads, 1, batches);
        var stride = encoder.EncodedSegmentSize;
        var segmentWorkers = new List<SegmentWorker>();
        try
        {
            using var ring = new BatchRing(workers + 2, perBatch * stride, cancellationToken);
            ring.StartWorkers(workers, () =>
            {
                var worker = new SegmentWorker(encoder);
                lock (segmentWorkers)
                {
                    segmentWorkers.Add(worker);
                }

                return (_, slot) =>
                {
                    unsafe
                    {
                        encoder.EncodeBatch(worker, slot.FirstSegment, slot.Count, slot.Memory);
                    }
                };
            });
            ring.StartReader(batches, (batch, slot) => ReadSegments(input, chk, batch * perBatch, perBatch, stride, slot), toWorkers: true);

            long done = 0;
            for (var batch = 0; batch < batches; batch++)
            {
                var slot = await ring.NextAsync(batch).ConfigureAwait(false);
                for (var i = 0; i < slot.Count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var segment = slot.FirstSegment + i;
                    var blocks = slot.Buffer.AsMemory(i * stride, chk.BlockSizeOf(segment) * chk.N);
                    encoder.AppendCrypttext(segment, blocks.Span[..chk.SegmentLengthOf(segment)]);
                    if (sink is not null)
                    {
                        await sink.WriteSegmentAsync(segment, blocks, chk.BlockSizeOf(segment), cancellationToken).ConfigureAwait(false);
                    }

                    done += chk.SegmentLengthOf(segment);
                    progress?.Report(new EncodeProgress(EncodePhase.Encoding, done, chk.Size));
                }

                ring.Release(slot);
            }
        }
        finally
        {
            foreach (var worker in segmentWorkers)
            {
                worker.Dispose();
            }
        }

        return encoder.Finish();
    }

    /// <summary>
    /// How many segments to encode and hash together: the count (up to 16, within
    /// <see cref="MaxBatchBytes"/>) whose segment and block hashes fill the SHA-256 lanes best.
    /// </summary>
    public static int SegmentsPerBatch(ChkParameters chk)
    {
        var encodedSegment = (long)chk.BlockSize * chk.N;
        var most = (int)Math.Clamp(MaxBatchBytes / encodedSegment, 1, 16);
        if (!Hashing.TaggedHashBatch.UsesLanes)
        {
            return most;
        }

        var best = 1;
        var bestEfficiency = 0.0;
        var segmentBlocks = (chk.SegmentSize + 40 + 63) / 64;
        var blockBlocks = (chk.BlockSize + 40 + 63) / 64;
        for (var count = 1; count <= most; count++)
        {
            var jobs = new int[count * (chk.N + 1)];
            for (var i = 0; i < jobs.Length; i++)
            {
                jobs[i] = i < count ? segmentBlocks : blockBlocks;
            }

            var efficiency = Hashing.TaggedHashBatch.LaneEfficiency(jobs);
            if (efficiency > bestEfficiency + 0.01)
            {
                (best, bestEfficiency) = (count, efficiency);
            }
        }

        return best;
    }

    // Reads up to `count` segments from `first` into the slot, segment i at i · stride.
    private static void ReadSegments(Stream input, ChkParameters chk, int first, int count, int stride, BatchRing.Slot slot)
    {
        slot.FirstSegment = first;
        slot.Count = Math.Min(count, chk.SegmentCount - first);
        for (var i = 0; i < slot.Count; i++)
        {
            var length = chk.SegmentLengthOf(first + i);
            var target = slot.Buffer.AsSpan(i * stride, length);
            if (input.ReadAtLeast(target, length, throwOnEndOfStream: false) < length)
            {
                throw new IOException("The file became shorter while it was being encoded; encode it again once it stops changing.");
            }
        }
    }
}
