using Granary.Client.Download;
using Granary.Client.Maintenance;
using Granary.Client.Mutable;
using Granary.Core.Caps;
using Granary.Core.Mutable;

namespace Granary.Client.Nodes;

/// <summary>
/// A mutable file (SDMF or MDMF), held by its write cap (read and write) or read cap (read only).
/// Every read finds the newest recoverable version afresh; every write publishes a new version
/// with a seqnum above every one seen, and fails with <see cref="UncoordinatedWriteException"/>
/// if another writer got in the way.
/// </summary>
public sealed class MutableFileNode : FilesystemNode, IFileNode
{
    private readonly GranaryClient _client;

    internal MutableFileNode(GranaryClient client, MutableWriteCap cap)
        : base(cap)
    {
        _client = client;
        WriteCap = cap;
        ReadCap = cap.ReadCap;
    }

    internal MutableFileNode(GranaryClient client, MutableReadCap cap)
        : base(cap)
    {
        _client = client;
        ReadCap = cap;
    }

    /// <summary>The write cap, or null for a read-only holder.</summary>
    public MutableWriteCap? WriteCap { get; }

    public MutableReadCap ReadCap { get; }

    public MutableFormat Format => ReadCap.Format;

    public override bool IsReadOnly => WriteCap is null;

    public override bool IsMutable => true;

    public override bool CanRead => true;

    public long? KnownSize => null;

    private StorageIndex Index => ReadCap.StorageIndex;

    /// <summary>Creates a mutable file with <paramref name="content"/> (<paramref name="length"/> bytes) as its first version.</summary>
    internal static async Task<MutableFileNode> CreateAsync(GranaryClient client, MutableFormat format, Stream content, long length, SigningKey? key, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        using var generated = key is null ? await client.Keys.TakeAsync(cancellationToken).ConfigureAwait(false) : null;
        var signing = key ?? generated!;
        var cap = MutableWriteCap.FromKey(signing, format);
        var publisher = new MutablePublisher(client, cap, signing);
        await publisher.PublishAsync(null, client.Settings.Needed, Math.Min(client.Settings.Total, MutableParameters.MaxShares), content, length, 1, progress, cancellationToken).ConfigureAwait(false);
        return new MutableFileNode(client, cap);
    }

    /// <summary>The size of the version a read would return now.</summary>
    public async Task<long> GetSizeAsync(CancellationToken cancellationToken) =>
        (await BestAsync(cancellationToken).ConfigureAwait(false)).Version.Parameters.DataLength;

    public async Task<long> ReadAsync(Stream output, long? from, long? to, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var (map, version) = await BestAsync(cancellationToken).ConfigureAwait(false);
        var (start, end) = ReadRange.Clip(from, to, version.Parameters.DataLength);
        long written = 0;
        await new MutableRetriever(_client, Index, ReadCap.ReadKey.ToArray()).ReadAsync(map, version, start, end, async chunk =>
        {
            await output.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
            written += chunk.Length;
            progress?.Report(new TransferProgress("downloading", written, end - start));
        }, cancellationToken).ConfigureAwait(false);
        return written;
    }

    /// <summary>Reads the whole current contents into memory (directories, small files).</summary>
    public async Task<byte[]> ReadAllAsync(CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await ReadAsync(buffer, null, null, null, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>Replaces the contents with <paramref name="content"/> (<paramref name="length"/> bytes) in a new version.</summary>
    public async Task OverwriteAsync(Stream content, long length, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var cap = RequireWriteCap();
        var map = await ServerMap.UpdateAsync(_client, Index, ReadCap.Fingerprint.ToArray(), cancellationToken).ConfigureAwait(false);
        using var key = await map.RecoverSigningKeyAsync(_client, cap, cancellationToken).ConfigureAwait(false);
        var best = map.Versions.BestRecoverableVersion;
        var k = best?.Parameters.K ?? _client.Settings.Needed;
        var n = best?.Parameters.N ?? Math.Min(_client.Settings.Total, MutableParameters.MaxShares);
        await new MutablePublisher(_client, cap, key).PublishAsync(map, k, n, content, length, map.Versions.NextSeqnum, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/> (at most the current size; past the
    /// end grows the file). MDMF re-encodes only the segments the write touches; SDMF, one segment by
    /// design, is read, patched and published whole. Returns the bytes of share data sent.
    /// </summary>
    public async Task<long> WriteAtAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var cap = RequireWriteCap();
        var map = await ServerMap.UpdateAsync(_client, Index, ReadCap.Fingerprint.ToArray(), cancellationToken).ConfigureAwait(false);
        var current = map.Versions.BestRecoverableVersion ?? throw Unrecoverable(map);
        if (offset < 0 || offset > current.Parameters.DataLength)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"A write may start at most at the file's end ({current.Parameters.DataLength}).");
        }

        using var key = await map.RecoverSigningKeyAsync(_client, cap, cancellationToken).ConfigureAwait(false);
        var publisher = new MutablePublisher(_client, cap, key);
        if (data.Length == 0)
        {
            return 0;
        }

        if (current.Format == MutableFormat.Mdmf)
        {
            return (await publisher.UpdateAsync(map, current, offset, data, cancellationToken).ConfigureAwait(false)).BytesSent;
        }

        var old = new MemoryStream();
        await new MutableRetriever(_client, Index, ReadCap.ReadKey.ToArray()).ReadAsync(map, current, 0, current.Parameters.DataLength, async chunk => await old.WriteAsync(chunk, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var patched = old.GetBuffer().AsSpan(0, (int)old.Length).ToArray();
        if (offset + data.Length > patched.Length)
        {
            Array.Resize(ref patched, (int)(offset + data.Length));
        }

        data.Span.CopyTo(patched.AsSpan((int)offset));
        using var content = new MemoryStream(patched);
        return (await publisher.PublishAsync(map, current.Parameters.K, current.Parameters.N, content, patched.Length, map.Versions.NextSeqnum, null, cancellationToken).ConfigureAwait(false)).BytesSent;
    }

    /// <summary>
    /// Reads the current contents, lets <paramref name="modify"/> change them, and publishes the
    /// result; when another writer collides, reads again and repeats (up to three times, after
    /// growing randomised pauses), as Tahoe's modify does. A modifier returning null publishes nothing.
    /// </summary>
    public async Task ModifyAsync(Func<byte[], byte[]?> modify, CancellationToken cancellationToken)
    {
        var cap = RequireWriteCap();
        var pause = TimeSpan.FromSeconds(Math.E);
        for (var attempt = 1; ; attempt++)
        {
            var map = await ServerMap.UpdateAsync(_client, Index, ReadCap.Fingerprint.ToArray(), cancellationToken).ConfigureAwait(false);
            var current = map.Versions.BestRecoverableVersion;
            var old = Array.Empty<byte>();
            if (current is not null)
            {
                if (await ReadUnlessReplacedAsync(map, current, cancellationToken).ConfigureAwait(false) is not { } read)
                {
                    // Another writer replaced the version while it was read: a collision like any other.
                    if (attempt >= 4)
                    {
                        throw new UncoordinatedWriteException($"the file kept changing while it was read ({attempt} attempts)");
                    }

                    await Task.Delay(pause * (0.9 + (0.2 * Random.Shared.NextDouble())), _client.Time, cancellationToken).ConfigureAwait(false);
                    pause *= Math.E;
                    continue;
                }

                old = read;
            }
            else if (map.Locations.Count > 0)
            {
                throw Unrecoverable(map);
            }

            var updated = modify(old);
            if (updated is null || (attempt == 1 && updated.AsSpan().SequenceEqual(old) && current is not null))
            {
                return;
            }

            using var key = await map.RecoverSigningKeyAsync(_client, cap, cancellationToken).ConfigureAwait(false);
            try
            {
                using var content = new MemoryStream(updated);
                await new MutablePublisher(_client, cap, key).PublishAsync(
                    map, current?.Parameters.K ?? _client.Settings.Needed, current?.Parameters.N ?? Math.Min(_client.Settings.Total, MutableParameters.MaxShares),
                    content, updated.Length, map.Versions.NextSeqnum, null, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (UncoordinatedWriteException) when (attempt < 4)
            {
                await Task.Delay(pause * (0.9 + (0.2 * Random.Shared.NextDouble())), _client.Time, cancellationToken).ConfigureAwait(false);
                pause *= Math.E;
            }
        }
    }

    // The version's contents, or null when its shares were overwritten by a newer version while
    // they were read (their blocks no longer match the hashes mapped): the caller maps again.
    private async Task<byte[]?> ReadUnlessReplacedAsync(ServerMap map, MutableVersion version, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        try
        {
            await new MutableRetriever(_client, Index, ReadCap.ReadKey.ToArray()).ReadAsync(map, version, 0, version.Parameters.DataLength, async chunk => await buffer.WriteAsync(chunk, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
        catch (MutableException)
        {
            var now = await ServerMap.UpdateAsync(_client, Index, ReadCap.Fingerprint.ToArray(), cancellationToken).ConfigureAwait(false);
            if (Equals(now.Versions.BestRecoverableVersion, version))
            {
                throw;
            }

            return null;
        }
    }

    /// <summary>
    /// Which servers hold which shares of which version: healthy when the newest recoverable version
    /// has all n shares and no other version lingers. With <paramref name="verify"/>, every block of
    /// every share of that version is read and checked.
    /// </summary>
    public override async Task<CheckReport> CheckAsync(bool verify, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var map = await ServerMap.UpdateAsync(_client, Index, ReadCap.Fingerprint.ToArray(), cancellationToken).ConfigureAwait(false);
        var best = map.Versions.BestRecoverableVersion;
        var holdings = new List<ShareHolding>();
        foreach (var location in map.Locations.Values.OrderBy(l => l.Share))
        {
            var node = location.Server.Url.NodeId;
            var url = location.Server.Url.BaseAddress.ToString();
            if (best is null || location.Version != best)
            {
                holdings.Add(new ShareHolding(location.Share, node, url, ShareState.OtherVersion, $"version {location.Version.Seqnum}"));
                continue;
            }

            if (!verify)
            {
                holdings.Add(new ShareHolding(location.Share, node, url, ShareState.Present));
                continue;
            }

            var problem = await VerifyShareAsync(map, location, cancellationToken).ConfigureAwait(false);
            holdings.Add(new ShareHolding(location.Share, node, url, problem is null ? ShareState.Verified : ShareState.Corrupt, problem));
            progress?.Report(new TransferProgress("verifying", holdings.Count, map.Locations.Count));
        }

        holdings.AddRange(map.Bad.Select(b => new ShareHolding(b.Share, b.Server.Url.NodeId, b.Server.Url.BaseAddress.ToString(), ShareState.Corrupt, b.Reason)));
        var k = best?.Parameters.K ?? _client.Settings.Needed;
        var n = best?.Parameters.N ?? _client.Settings.Total;
        return new CheckReport(
            ReadCap.ToString(),
            Index.ToString(),
            k,
            n,
            Math.Min(_client.Settings.Happy, n),
            verify,
            holdings,
            [.. map.Problems],
            best?.Parameters.SegmentCount ?? 0,
            best is null && map.Locations.Count > 0 ? "no version of the file has enough shares to be read" : null);
    }

    /// <summary>
    /// Publishes the newest recoverable version again (a new seqnum, the same contents), so that every
    /// server holds a good share of it and older versions are overwritten. Needs the write cap.
    /// </summary>
    public override async Task<RepairResult> RepairAsync(CheckReport report, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        if (report.Healthy)
        {
            return new RepairResult([], report);
        }

        if (!report.Recoverable)
        {
            throw new MutableException($"Cannot repair: {report.Summary}.");
        }

        RequireWriteCap();
        var temporary = Path.Combine(Path.GetTempPath(), $"granary-repair-{Guid.NewGuid():N}");
        try
        {
            var spool = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20, FileOptions.DeleteOnClose);
            await using (spool.ConfigureAwait(false))
            {
                var length = await ReadAsync(spool, null, null, null, cancellationToken).ConfigureAwait(false);
                spool.Position = 0;
                await OverwriteAsync(spool, length, progress, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            File.Delete(temporary);
        }

        var after = await CheckAsync(report.Verified, null, cancellationToken).ConfigureAwait(false);
        return new RepairResult([.. Enumerable.Range(0, after.N)], after);
    }

    private async Task<string?> VerifyShareAsync(ServerMap map, MutableShareLocation location, CancellationToken cancellationToken)
    {
        var version = location.Version;
        try
        {
            var whole = await ServerMap.ReadExactAsync(_client.Grid, location.Server, Index, location.Share, 0, (int)version.Offsets.EndOfShare, cancellationToken).ConfigureAwait(false);
            var share = MutableShare.Parse(location.Share, whole);
            share.Validate(ReadCap.Fingerprint);
            for (var segment = 0; segment < version.Parameters.SegmentCount; segment++)
            {
                MutableShareValidation.CheckSegment(location.Share, version, share.BlockHashTree.Span, segment, share.SegmentData(segment));
            }

            return null;
        }
        catch (Core.Chk.CorruptShareException e)
        {
            await ServerMap.ReportAsync(_client.Grid, location.Server, Index, location.Share, e.Reason, cancellationToken).ConfigureAwait(false);
            return e.Reason;
        }
        catch (Exception e) when (e is MutableShareFormatException or Storage.StorageException)
        {
            return e.Message;
        }
    }

    private async Task<(ServerMap Map, MutableVersion Version)> BestAsync(CancellationToken cancellationToken)
    {
        var map = await ServerMap.UpdateAsync(_client, Index, ReadCap.Fingerprint.ToArray(), cancellationToken).ConfigureAwait(false);
        return (map, map.Versions.BestRecoverableVersion ?? throw Unrecoverable(map));
    }

    private MutableWriteCap RequireWriteCap() =>
        WriteCap ?? throw new ReadOnlyException($"{ReadCap} is a read-only cap: it can read this file but not change it.");

    private static MutableException Unrecoverable(ServerMap map) =>
        new(map.Locations.Count == 0 && map.Bad.Count == 0
            ? "No server holds a share of this mutable file (is the cap right, and are these the servers it was written to?)" + (map.Problems.Count > 0 ? $" Problems: {string.Join("; ", map.Problems.Take(5))}" : "")
            : $"No version of this mutable file has enough good shares to be read. {string.Join("; ", map.Bad.Take(5).Select(b => $"share {b.Share}: {b.Reason}").Concat(map.Problems.Take(5)))}");
}
