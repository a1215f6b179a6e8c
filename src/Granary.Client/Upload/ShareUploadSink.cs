using System.Buffers;
using Granary.Client.Selection;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Identity;

namespace Granary.Client.Upload;

/// <summary>
/// The uploader's end of the encoder: places the shares when the storage index is known, then
/// streams each share's bytes to its server as they are produced.
/// </summary>
/// <remarks>
/// Consecutive blocks of a share are adjacent in the share, so each share collects its blocks into a
/// run of about 2 MiB (the header before the first) and sends the run as one ranged write. Writes go
/// out in parallel, a few per server and a bounded number in all, so memory stays bounded whatever
/// the file's size and a slow server does not hold up the others. A server that fails loses its
/// shares for this pass (the uploader may place them elsewhere in another); the others carry on.
/// </remarks>
internal sealed class ShareUploadSink(
    StorageGrid grid,
    ClientDirectory client,
    IProgress<TransferProgress>? progress,
    bool requireHappiness = true,
    IReadOnlySet<(NodeId Server, int Share)>? knownBad = null) : IChkSegmentSink
{
    private const int RunBytes = 2 << 20;
    private const int WritesPerServer = 4;
    private const int WritesInFlight = 24;

    private readonly byte[] _uploadSecret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    private readonly Dictionary<int, ShareTarget> _targets = [];
    private readonly Dictionary<NodeId, SemaphoreSlim> _serverGates = [];
    private readonly SemaphoreSlim _inFlight = new(WritesInFlight, WritesInFlight);
    private readonly List<Task> _writes = [];
    private readonly Lock _lock = new();
    private ChkParameters _parameters = null!;
    private StorageIndex _index;
    private ShareHeader _header = null!;
    private long _shareSize;
    private long _uploaded;

    /// <summary>Servers that failed during this pass, with why.</summary>
    public Dictionary<NodeId, string> FailedServers { get; } = [];

    /// <summary>Servers that could not be used at all (did not answer, or failed when asked to allocate), with why.</summary>
    public Dictionary<NodeId, string> Unusable { get; private set; } = [];

    /// <summary>Shares this pass set out to upload.</summary>
    public IReadOnlyCollection<int> Assigned => _targets.Keys;

    /// <summary>Shares this pass uploaded completely.</summary>
    public IEnumerable<int> Completed => _targets.Where(t => t.Value.Complete).Select(t => t.Key);

    public async ValueTask BeginAsync(ChkParameters parameters, StorageIndex storageIndex, CancellationToken cancellationToken)
    {
        _parameters = parameters;
        _index = storageIndex;
        _header = ShareHeader.For(parameters);
        _shareSize = _header.ShareSize(UriExtension.SerializedLength(parameters));
        var config = client.Config;
        var probes = await grid.ProbeAsync(storageIndex, withSpace: true, cancellationToken).ConfigureAwait(false);
        var unusable = probes.Where(p => !p.Reachable).ToDictionary(p => p.Server.Url.NodeId, p => p.Error ?? "unreachable");
        Unusable = unusable;
        // A corrupt copy does not count as held, and its server would only answer "already have" if
        // asked to take that share again, so it takes no new shares.
        var bad = knownBad ?? new HashSet<(NodeId, int)>();
        var views = PermutedRing.Order(storageIndex, probes.Where(p => p.Reachable), p => p.Server.Url.NodeId)
            .Select(p =>
            {
                var node = p.Server.Url.NodeId;
                var holdsBad = p.Holds.Any(share => bad.Contains((node, share)));
                return new ServerView<StorageClient>(p.Server, p.AvailableSpace >= _shareSize && !holdsBad, p.Holds.Where(share => !bad.Contains((node, share))).ToHashSet());
            })
            .ToList();

        for (var attempt = 0; ; attempt++)
        {
            var plan = SharePlacement.Plan(views, parameters.N);
            if (requireHappiness && plan.Happiness < config.Happy)
            {
                throw new UploadException(Unhappy(plan.Happiness, views, unusable));
            }

            var refusedBy = new List<StorageClient>();
            foreach (var server in plan.NewShares.Keys.Concat(plan.ExistingShares.Keys).Distinct())
            {
                var wanted = plan.NewShares.GetValueOrDefault(server, []).Concat(plan.ExistingShares.GetValueOrDefault(server, [])).Distinct().ToList();
                var node = server.Url.NodeId;
                try
                {
                    var result = await grid.WithDeadlineAsync(server, ct => server.AllocateAsync(
                        storageIndex, wanted, _shareSize, _uploadSecret, client.Leases.RenewSecret(storageIndex, node.Bytes), client.Leases.CancelSecret(storageIndex, node.Bytes), ct), cancellationToken).ConfigureAwait(false);
                    foreach (var share in result.Allocated.Where(s => plan.NewShares.GetValueOrDefault(server, []).Contains(s)))
                    {
                        _targets[share] = new ShareTarget(share, server, _header.Serialize());
                    }

                    if (plan.NewShares.GetValueOrDefault(server, []).Except(result.Allocated).Except(result.AlreadyHave).Any())
                    {
                        refusedBy.Add(server);
                    }
                }
                catch (StorageException e)
                {
                    unusable[node] = e.Reason;
                    refusedBy.Add(server);
                }
            }

            if (refusedBy.Count == 0)
            {
                break;
            }

            // A server refused (full since it answered, or gone): give back this round's allocations and plan again without it.
            await AbortAsync(_targets.Values.ToList(), cancellationToken).ConfigureAwait(false);
            _targets.Clear();
            views = [.. views.Select(v => refusedBy.Contains(v.Server) ? v with { Writable = false, Holds = unusable.ContainsKey(v.Server.Url.NodeId) ? new HashSet<int>() : v.Holds } : v)];
            if (attempt == 3)
            {
                if (requireHappiness)
                {
                    throw new UploadException(Unhappy(SharePlacement.Plan(views, parameters.N).Happiness, views, unusable));
                }

                break;
            }
        }

        foreach (var server in _targets.Values.Select(t => t.Server).Distinct())
        {
            _serverGates[server.Url.NodeId] = new SemaphoreSlim(WritesPerServer, WritesPerServer);
        }

        progress?.Report(new TransferProgress("uploading", 0, TotalToUpload));
    }

    private long TotalToUpload => _targets.Count * _shareSize;

    public async ValueTask WriteSegmentAsync(int segment, ReadOnlyMemory<byte> shareBlocks, int blockSize, CancellationToken cancellationToken)
    {
        foreach (var target in _targets.Values)
        {
            if (target.Failed)
            {
                continue;
            }

            target.Append(shareBlocks.Span.Slice(target.Share * blockSize, blockSize));
            if (target.Pending >= RunBytes || segment == _parameters.SegmentCount - 1)
            {
                await SendAsync(target, target.TakeRun(), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sends every share's trailer (hash trees and URI extension block) and waits for all writes.</summary>
    public async Task FinishAsync(ChkEncoding encoding, CancellationToken cancellationToken)
    {
        foreach (var target in _targets.Values.Where(t => !t.Failed))
        {
            var trailer = encoding.Trailer(target.Share);
            var buffer = ArrayPool<byte>.Shared.Rent(trailer.Length);
            trailer.CopyTo(buffer, 0);
            await SendAsync(target, new Run(buffer, trailer.Length, _header.PlaintextHashTreeOffset), cancellationToken).ConfigureAwait(false);
        }

        Task[] writes;
        lock (_lock)
        {
            writes = [.. _writes];
        }

        await Task.WhenAll(writes).ConfigureAwait(false);
        foreach (var target in _targets.Values)
        {
            target.Release();
        }
    }

    private async Task SendAsync(ShareTarget target, Run run, CancellationToken cancellationToken)
    {
        await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        var write = WriteAsync(target, run, cancellationToken);
        lock (_lock)
        {
            _writes.RemoveAll(w => w.IsCompletedSuccessfully);
            _writes.Add(write);
        }
    }

    private async Task WriteAsync(ShareTarget target, Run run, CancellationToken cancellationToken)
    {
        var gate = _serverGates[target.Server.Url.NodeId];
        try
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (target.Failed)
                {
                    return;
                }

                var result = await grid.WithDeadlineAsync(
                    target.Server, ct => target.Server.WriteAsync(_index, target.Share, run.Offset, run.Buffer.AsMemory(0, run.Length), _uploadSecret, ct), cancellationToken).ConfigureAwait(false);
                if (result.Required.Count == 0)
                {
                    target.Complete = true;
                }

                progress?.Report(new TransferProgress("uploading", Interlocked.Add(ref _uploaded, run.Length), TotalToUpload));
            }
            finally
            {
                gate.Release();
            }
        }
        catch (StorageException e)
        {
            Fail(target.Server, e.Reason);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(run.Buffer);
            _inFlight.Release();
        }
    }

    private void Fail(StorageClient server, string reason)
    {
        lock (_lock)
        {
            FailedServers.TryAdd(server.Url.NodeId, reason);
            foreach (var target in _targets.Values.Where(t => t.Server == server))
            {
                target.Failed = true;
            }
        }
    }

    private async Task AbortAsync(IEnumerable<ShareTarget> targets, CancellationToken cancellationToken)
    {
        foreach (var target in targets)
        {
            try
            {
                await grid.WithDeadlineAsync(target.Server, async ct =>
                {
                    await target.Server.AbortAsync(_index, target.Share, _uploadSecret, ct).ConfigureAwait(false);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException)
            {
                // The allocation expires on its own if the server cannot be told.
            }
        }
    }

    /// <summary>Gives back allocations after a failure that stops the upload.</summary>
    public Task AbortUnfinishedAsync(CancellationToken cancellationToken) =>
        AbortAsync(_targets.Values.Where(t => !t.Complete && !t.Failed).ToList(), cancellationToken);

    private string Unhappy(int achievable, List<ServerView<StorageClient>> views, Dictionary<NodeId, string> unusable)
    {
        var config = client.Config;
        var writable = views.Count(v => v.Writable);
        var full = views.Count(v => !v.Writable && !unusable.ContainsKey(v.Server.Url.NodeId));
        var detail = unusable.Count == 0 ? "" : " Unreachable or failing: " + string.Join("; ", unusable.Take(5).Select(u => $"node {u.Key.ToString()[..8]}: {u.Value}")) + (unusable.Count > 5 ? "; …" : "") + ".";
        return $"Cannot upload: the shares can reach only {achievable} server(s), but happy = {config.Happy} needs {config.Happy}. "
            + $"Of {grid.Servers.Count} known servers, {views.Count} answered, {writable} had room for a {_shareSize:N0}-byte share, {full} were full.{detail}";
    }

    /// <summary>One share on its way to one server: the run being collected and where it goes next.</summary>
    private sealed class ShareTarget(int share, StorageClient server, byte[] header)
    {
        private byte[] _run = Rent(header);
        private long _runOffset;

        public int Share { get; } = share;

        public StorageClient Server { get; } = server;

        public int Pending { get; private set; } = header.Length;

        public volatile bool Failed;

        public volatile bool Complete;

        public void Append(ReadOnlySpan<byte> block)
        {
            if (Pending + block.Length > _run.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Pending + block.Length);
                _run.AsSpan(0, Pending).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_run);
                _run = larger;
            }

            block.CopyTo(_run.AsSpan(Pending));
            Pending += block.Length;
        }

        /// <summary>Hands over the collected bytes (the run's buffer goes with them) and starts a new run after them.</summary>
        public Run TakeRun()
        {
            var run = new Run(_run, Pending, _runOffset);
            _runOffset += Pending;
            _run = ArrayPool<byte>.Shared.Rent(RunBytes + (RunBytes / 2));
            Pending = 0;
            return run;
        }

        /// <summary>Returns the run buffer not yet handed over.</summary>
        public void Release() => ArrayPool<byte>.Shared.Return(_run);

        private static byte[] Rent(byte[] header)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(RunBytes + (RunBytes / 2));
            header.CopyTo(buffer, 0);
            return buffer;
        }
    }

    private readonly record struct Run(byte[] Buffer, int Length, long Offset);
}
