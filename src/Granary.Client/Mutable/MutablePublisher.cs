using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Mutable;
using Granary.Core.Protocol;

namespace Granary.Client.Mutable;

/// <summary>What a publish did: the version written, where, and how many share bytes went out.</summary>
internal sealed record PublishResult(MutableVersion Version, int SharesWritten, long BytesSent);

/// <summary>
/// Writes a new version of a mutable file (mutable-dirnode §12, §15) with read-test-write.
/// </summary>
/// <remarks>
/// Placement: every location where the server map found a share keeps receiving that share (so old
/// versions are overwritten, not left beside the new one); share numbers found nowhere go, in the
/// storage index's permuted order, to the servers holding the fewest. Every write to a location
/// tests that the location still holds what the map saw there (the old version's checkstring, or
/// nothing), so a writer that races another one finds out: a failed test, or a share at the server
/// with a checkstring this writer did not expect, is an <see cref="UncoordinatedWriteException"/>
/// once the rest of the publish is done — never a silent overwrite of the other writer's version.
///
/// Streaming: segments are encoded one at a time and each share's data goes out as raw bytes in
/// chunks of about <see cref="ChunkBytes"/> while later segments are encoded; the header, keys,
/// signature and hash trees follow in each share's last write (read-test-write), which also sets its
/// length. Until that last write a location keeps its old header, so each chunk tests the same
/// checkstring. A share with up to 1 MiB of data is written by one request; a larger one by several,
/// and an interrupted publish can leave such shares half old and half new — readers detect them by
/// their hashes, and the next publish replaces them.
/// </remarks>
internal sealed class MutablePublisher(GranaryClient client, MutableWriteCap cap, SigningKey key)
{
    public const int ChunkBytes = 4 << 20;

    /// <summary>Plaintext encoded at once, spread over the cores.</summary>
    private const int EncodeBatchBytes = 2 << 20;

    /// <summary>Share data up to this size travels with the share's header in one request.</summary>
    private const int AtomicShareBytes = 1 << 20;
    private const int RequestsInFlight = 16;

    private const int ChunksQueued = 24;

    private readonly SemaphoreSlim _inFlight = new(RequestsInFlight, RequestsInFlight);
    private readonly SemaphoreSlim _queued = new(ChunksQueued, ChunksQueued);

    /// <summary>Publishes <paramref name="content"/> (exactly <paramref name="length"/> bytes) as version <paramref name="seqnum"/>.</summary>
    public async Task<PublishResult> PublishAsync(ServerMap? map, int k, int n, Stream content, long length, ulong seqnum, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var parameters = MutableParameters.ForNewVersion(cap.Format, k, n, length);
        var dataStart = MutableShareOffsets.Compute(parameters, key.PrivateKeyDer.Length, key.VerifyingKey.Der.Length, SigningKey.SignatureSize).ShareData;
        var targets = Place(map, n, dataStart);
        var sdmfSalt = cap.Format == MutableFormat.Sdmf ? MutableShareEncoder.NewSalt() : [];
        var encoder = new MutableShareEncoder(cap, parameters, sdmfSalt);
        // Segments are encoded a batch at a time on every core, then handed to the targets in order.
        var batch = (int)Math.Clamp(EncodeBatchBytes / Math.Max(1, parameters.SegmentSize), 1, Math.Max(1, parameters.SegmentCount));
        var stride0 = parameters.SegmentCount == 0 ? 0 : parameters.SegmentDataLength(0);
        var plaintext = new byte[Math.Max(1, batch * (parameters.SegmentCount == 0 ? 0 : parameters.SegmentSize))];
        var segmentData = new byte[batch * parameters.N * stride0];
        long sent = 0;
        for (var first = 0; first < parameters.SegmentCount; first += batch)
        {
            var count = Math.Min(batch, parameters.SegmentCount - first);
            var batchStart = parameters.SegmentOffset(first);
            var batchLength = (int)(parameters.SegmentOffset(first + count - 1) + parameters.SegmentLengthOf(first + count - 1) - batchStart);
            await content.ReadExactlyAsync(plaintext.AsMemory(0, batchLength), cancellationToken).ConfigureAwait(false);
            Parallel.For(0, count, i =>
            {
                var segment = first + i;
                var at = (int)(parameters.SegmentOffset(segment) - batchStart);
                var salt = cap.Format == MutableFormat.Mdmf ? MutableShareEncoder.NewSalt() : sdmfSalt;
                encoder.EncodeSegment(segment, plaintext.AsSpan(at, parameters.SegmentLengthOf(segment)), salt, segmentData.AsSpan(i * parameters.N * stride0, parameters.N * stride0));
            });

            for (var i = 0; i < count; i++)
            {
                var segment = first + i;
                var stride = parameters.SegmentDataLength(segment);
                var encoded = segmentData.AsMemory(i * parameters.N * stride0, parameters.N * stride);
                foreach (var target in targets)
                {
                    target.Append(parameters, segment, encoded.Span.Slice(target.Share * stride, stride));
                    if (target.Pending >= ChunkBytes)
                    {
                        // Bounded memory: encoding waits while too many chunks are still on their way.
                        await _queued.WaitAsync(cancellationToken).ConfigureAwait(false);
                        Flush(target, [], null, null, cancellationToken, releaseQueued: true);
                    }
                }

                sent += (long)stride * targets.Count;
            }

            progress?.Report(new TransferProgress("publishing", batchStart + batchLength, length));
        }

        var signed = encoder.Finish(key, seqnum);
        var known = KnownCheckstrings(map, signed.Version);
        foreach (var target in targets)
        {
            // A small share goes in one request with its header; the rest of a large one as raw bytes first.
            if (target.Pending > AtomicShareBytes)
            {
                Flush(target, [], null, null, cancellationToken);
            }

            Flush(target, signed.FieldWrites(target.Share), signed.Version.Offsets.EndOfShare, known, cancellationToken);
        }

        await Task.WhenAll(targets.Select(t => t.Done)).ConfigureAwait(false);
        return Outcome(signed.Version, targets, sent);
    }

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/> of an MDMF file in place: only the
    /// segments the write touches are re-encoded and sent; the others keep their salts and blocks.
    /// Needs every share's block hash tree of the current version (their leaves go into the new trees).
    /// </summary>
    public async Task<PublishResult> UpdateAsync(ServerMap map, MutableVersion current, long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var plan = MdmfUpdate.Plan(current.Parameters, offset, data.Length);
        var old = current.Parameters;
        var locations = map.Versions.SharesOf(current).Select(s => map.Locations[(s.Server, s.ShareNumber)]).ToList();
        var trees = await OldBlockHashTreesAsync(locations, current, cancellationToken).ConfigureAwait(false);

        var retriever = new MutableRetriever(client, cap.StorageIndex, cap.ReadKey.ToArray());
        var encoder = new MutableShareEncoder(cap, plan.NewParameters);
        var p = plan.NewParameters;
        var leaves = new byte[p.N * MutableSecrets.HashSize];
        for (var segment = 0; segment < old.SegmentCount; segment++)
        {
            if (!plan.Rewrites(segment))
            {
                plan.CopyLeaves(trees, segment, leaves);
                encoder.KeepSegment(segment, leaves);
            }
        }

        var rewritten = new Dictionary<int, byte[]>();
        for (var segment = plan.FirstSegment; segment <= plan.LastSegment; segment++)
        {
            var oldPlaintext = Array.Empty<byte>();
            var isEdge = segment == plan.FirstSegment || segment == plan.LastSegment;
            if (isEdge && segment < old.SegmentCount)
            {
                var start = old.SegmentOffset(segment);
                using var buffer = new MemoryStream();
                await retriever.ReadAsync(map, current, start, start + old.SegmentLengthOf(segment), async chunk => await buffer.WriteAsync(chunk, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                oldPlaintext = buffer.ToArray();
            }

            var plaintext = plan.NewSegmentPlaintext(segment, oldPlaintext, data.Span);
            var segmentData = new byte[p.N * p.SegmentDataLength(segment)];
            encoder.EncodeSegment(segment, plaintext, MutableShareEncoder.NewSalt(), segmentData);
            rewritten[segment] = segmentData;
        }

        var signed = encoder.Finish(key, map.Versions.NextSeqnum);
        var known = KnownCheckstrings(map, signed.Version);
        var targets = locations.Select(l => new Target(l.Server, l.Share, l.Version.Checkstring.ToArray(), signed.Version.Offsets.ShareData)).ToList();
        long sent = 0;
        foreach (var target in targets)
        {
            foreach (var (segment, segmentData) in rewritten.OrderBy(r => r.Key))
            {
                var stride = p.SegmentDataLength(segment);
                target.Append(p, segment, segmentData.AsSpan(target.Share * stride, stride));
                sent += stride;
            }

            Flush(target, signed.FieldWrites(target.Share), signed.Version.Offsets.EndOfShare, known, cancellationToken);
        }

        await Task.WhenAll(targets.Select(t => t.Done)).ConfigureAwait(false);
        return Outcome(signed.Version, targets, sent);
    }

    private async Task<List<ReadOnlyMemory<byte>>> OldBlockHashTreesAsync(List<MutableShareLocation> locations, MutableVersion version, CancellationToken cancellationToken)
    {
        var trees = new ReadOnlyMemory<byte>[version.Parameters.N];
        var length = version.Parameters.BlockHashTreeNodeCount * MutableSecrets.HashSize;
        foreach (var location in locations.DistinctBy(l => l.Share))
        {
            try
            {
                var tree = await ServerMap.ReadExactAsync(client.Grid, location.Server, cap.StorageIndex, location.Share, version.Offsets.BlockHashTree, length, cancellationToken).ConfigureAwait(false);
                var chainLength = (int)(version.Offsets.Signature - version.Offsets.ShareHashChain);
                MutableShareValidation.CheckBlockHashTree(location.Share, version, tree, location.Prefix.AsSpan((int)version.Offsets.ShareHashChain, chainLength));
                trees[location.Share] = tree;
            }
            catch (Exception e) when (e is Core.Chk.CorruptShareException or StorageException)
            {
                // Another copy of the same share may do; checked below.
            }
        }

        var missing = Enumerable.Range(0, trees.Length).Where(j => trees[j].IsEmpty).ToList();
        if (missing.Count > 0)
        {
            throw new MutableException($"An in-place write needs every share of the current version, but shares {string.Join(", ", missing)} could not be read; write the whole file instead.");
        }

        return [.. trees];
    }

    // Where each share of the new version goes; see the remarks.
    private List<Target> Place(ServerMap? map, int n, long dataStart)
    {
        var targets = new List<Target>();
        var servers = map?.Reachable ?? [.. Selection.PermutedRing.Order(cap.StorageIndex, client.Grid.Servers, s => s.Url.NodeId)];
        if (servers.Count == 0)
        {
            throw new MutableException("No storage server answered, so nothing can be published.");
        }

        var load = servers.ToDictionary(s => s, _ => 0);
        if (map is not null)
        {
            foreach (var location in map.Locations.Values.Where(l => l.Share < n))
            {
                targets.Add(new Target(location.Server, location.Share, location.Version.Checkstring.ToArray(), dataStart));
                load[location.Server]++;
            }

            foreach (var (server, share, _) in map.Bad.Where(b => b.Share < n && load.ContainsKey(b.Server)))
            {
                targets.Add(new Target(server, share, null, dataStart));
                load[server]++;
            }
        }

        foreach (var share in Enumerable.Range(0, n).Where(share => targets.All(t => t.Share != share)))
        {
            var server = servers.OrderBy(s => load[s]).First();
            targets.Add(new Target(server, share, [], dataStart));
            load[server]++;
        }

        return targets;
    }

    private static HashSet<string> KnownCheckstrings(ServerMap? map, MutableVersion next)
    {
        var known = new HashSet<string> { Convert.ToHexString(next.Checkstring) };
        foreach (var version in map?.Versions.Versions ?? [])
        {
            known.Add(Convert.ToHexString(version.Checkstring));
        }

        return known;
    }

    // Sends what a target has pending, after its earlier requests; with fields, its last request.
    private void Flush(Target target, IReadOnlyList<(long Offset, byte[] Data)> fields, long? endOfShare, HashSet<string>? known, CancellationToken cancellationToken, bool releaseQueued = false)
    {
        var chunks = target.TakePending();
        var previous = target.Done;
        var send = SendAsync(target, previous, chunks, fields, endOfShare, known, cancellationToken);
        target.Done = releaseQueued ? send.ContinueWith(_ => _queued.Release(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default) : send;
    }

    private async Task SendAsync(
        Target target, Task previous, List<Chunk> chunks, IReadOnlyList<(long Offset, byte[] Data)> fields, long? endOfShare, HashSet<string>? known, CancellationToken cancellationToken)
    {
        try
        {
            await previous.ConfigureAwait(false);
            if (target.Failure is not null)
            {
                return;
            }

            await SendNowAsync(target, chunks, fields, endOfShare, known, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var chunk in chunks)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(chunk.Buffer);
            }
        }
    }

    private async Task SendNowAsync(Target target, List<Chunk> chunks, IReadOnlyList<(long Offset, byte[] Data)> fields, long? endOfShare, HashSet<string>? known, CancellationToken cancellationToken)
    {
        await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var checkLength = cap.Format == MutableFormat.Sdmf ? MutableVersion.SdmfCheckstringSize : MutableVersion.MdmfCheckstringSize;
            var server = target.Server;
            var node = server.Url.NodeId.Bytes;
            var (enabler, renew, cancel) = (cap.WriteEnabler(node), client.Secrets.Leases.RenewSecret(cap.StorageIndex, node), client.Secrets.Leases.CancelSecret(cap.StorageIndex, node));
            if (endOfShare is null)
            {
                // Segment data: raw bytes, each range testing that the location holds what it held.
                foreach (var chunk in chunks)
                {
                    var written = await client.Grid.WithDeadlineAsync(server, ct => server.WriteMutableAsync(
                        cap.StorageIndex, target.Share, chunk.Offset, chunk.Data, Tests(target.Expected), enabler, renew, cancel, ct), cancellationToken).ConfigureAwait(false);
                    if (!written)
                    {
                        target.Surprised = target.Failure = $"share {target.Share} on node {server.Url.NodeId.ToString()[..8]} changed since it was read";
                        return;
                    }

                    // The first bytes of a fresh location are zero until its header is written.
                    target.Expected = target.Expected is { Length: 0 } ? new byte[checkLength] : target.Expected;
                }

                return;
            }

            var writes = chunks.Select(c => new WriteVector(c.Offset, c.Data.ToArray())).Concat(fields.Select(f => new WriteVector(f.Offset, f.Data))).ToList();
            var vectors = new Dictionary<int, TestWriteVectors> { [target.Share] = new(Tests(target.Expected), writes, endOfShare) };
            var result = await client.Grid.WithDeadlineAsync(server, ct => server.ReadTestWriteAsync(
                cap.StorageIndex, vectors, [new ReadVector(0, checkLength)], enabler, renew, cancel, ct), cancellationToken).ConfigureAwait(false);
            if (!result.Success)
            {
                target.Surprised = $"share {target.Share} on node {server.Url.NodeId.ToString()[..8]} changed since it was read";
                target.Failure = target.Surprised;
                return;
            }

            if (known is not null)
            {
                target.Written = true;
                foreach (var (share, reads) in result.Data)
                {
                    if (share != target.Share.ToString(System.Globalization.CultureInfo.InvariantCulture) && reads is [var seen, ..] && seen.Length > 0 && !known.Contains(Convert.ToHexString(seen)))
                    {
                        target.Surprised = $"node {server.Url.NodeId.ToString()[..8]} holds share {share} of a version this writer never saw";
                    }
                }
            }
        }
        catch (StorageException e)
        {
            target.Failure = e.Reason;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            target.Failure = "cancelled";
        }
        finally
        {
            _inFlight.Release();
        }
    }

    // What a location must hold for a write to go ahead: nothing (a fresh location), what was seen, or anything (a bad share).
    private static TestVector[] Tests(byte[]? expected) => expected switch
    {
        null => [],
        { Length: 0 } => [new TestVector(0, 1, [])],
        _ => [new TestVector(0, expected.Length, expected)],
    };

    private PublishResult Outcome(MutableVersion version, List<Target> targets, long sent)
    {
        var written = targets.Where(t => t.Written && t.Failure is null).Select(t => t.Share).Distinct().Count();
        var surprises = targets.Where(t => t.Surprised is not null).Select(t => t.Surprised!).Distinct().ToList();
        if (surprises.Count > 0)
        {
            throw new UncoordinatedWriteException(
                $"Another writer changed this file during the write (seqnum {version.Seqnum}): {string.Join("; ", surprises.Take(4))}. Nothing is lost; read it again and repeat the change if it is still wanted.");
        }

        if (written < version.Parameters.K)
        {
            var failures = targets.Where(t => t.Failure is not null).Select(t => $"share {t.Share} on node {t.Server.Url.NodeId.ToString()[..8]}: {t.Failure}").Take(6);
            throw new MutableException($"Only {written} share(s) of the new version were stored, but {version.Parameters.K} are needed to read it. {string.Join("; ", failures)}");
        }

        return new PublishResult(version, written, sent);
    }

    /// <summary>Share data waiting to be sent: <c>Length</c> bytes of a pooled buffer, for <c>Offset</c>.</summary>
    private readonly record struct Chunk(long Offset, byte[] Buffer, int Length)
    {
        public ReadOnlyMemory<byte> Data => Buffer.AsMemory(0, Length);
    }

    /// <summary>One location the new version is written to: what it is expected to hold, and the data waiting to go.</summary>
    private sealed class Target(StorageClient server, int share, byte[]? expected, long dataStart)
    {
        private readonly List<Chunk> _pending = [];
        private byte[]? _chunk;
        private int _chunkLength;
        private long _chunkStart;

        public StorageClient Server { get; } = server;

        public int Share { get; } = share;

        /// <summary>What the location must hold for a write to go ahead: the checkstring seen, empty for "nothing", null for a bad share (written blind).</summary>
        public byte[]? Expected { get; set; } = expected;

        public Task Done { get; set; } = Task.CompletedTask;

        public string? Failure { get; set; }

        public string? Surprised { get; set; }

        public bool Written { get; set; }

        public long Pending => _chunkLength + _pending.Sum(p => (long)p.Length);

        /// <summary>Adds a segment's data for this share; adjacent segments are joined into one write, in pooled buffers.</summary>
        public void Append(MutableParameters parameters, int segment, ReadOnlySpan<byte> data)
        {
            var offset = dataStart + parameters.SegmentDataOffset(segment);
            if (_chunk is not null && (_chunkStart + _chunkLength != offset || _chunkLength + data.Length > _chunk.Length))
            {
                _pending.Add(new Chunk(_chunkStart, _chunk, _chunkLength));
                _chunk = null;
            }

            if (_chunk is null)
            {
                _chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, ChunkBytes + (1 << 18)));
                _chunkLength = 0;
                _chunkStart = offset;
            }

            data.CopyTo(_chunk.AsSpan(_chunkLength));
            _chunkLength += data.Length;
        }

        public List<Chunk> TakePending()
        {
            var chunks = new List<Chunk>(_pending);
            if (_chunk is not null)
            {
                chunks.Add(new Chunk(_chunkStart, _chunk, _chunkLength));
            }

            _pending.Clear();
            _chunk = null;
            _chunkLength = 0;
            return chunks;
        }
    }
}
