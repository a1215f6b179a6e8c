using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Identity;

namespace Granary.Client.Upload;

/// <summary>
/// The uploader's end of the encoder: has <see cref="SharePlacer"/> place the shares once the
/// storage index is known, then streams each share's bytes to its server as they are produced.
/// </summary>
/// <remarks>
/// Consecutive blocks of a share are adjacent in the share, so each share collects whole blocks into
/// a run of about 1 MiB (the header before the first) and sends the run as one ranged write. Writes
/// go out in parallel, a few per server and a bounded number in all, from a fixed set of run buffers,
/// so memory stays bounded whatever the file's size and a slow server does not hold up the others. A
/// server that fails loses its shares for this pass (the uploader may place them elsewhere in
/// another); the others carry on.
/// </remarks>
internal sealed class ShareStreamer(GranaryClient client, SharePlacer placer, IProgress<TransferProgress>? progress) : IChkSegmentSink
{
    private const int RunBytes = 1 << 20;
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
    private RunBuffers _buffers = null!;
    private long _shareSize;
    private long _uploaded;

    /// <summary>Servers that failed during this pass, with why.</summary>
    public Dictionary<NodeId, string> FailedServers { get; } = [];

    /// <summary>Servers that could not be used at all (did not answer, or failed when asked to allocate), with why.</summary>
    public IReadOnlyDictionary<NodeId, string> Unusable { get; private set; } = new Dictionary<NodeId, string>();

    /// <summary>Shares this pass set out to upload.</summary>
    public IReadOnlyCollection<int> Assigned => _targets.Keys;

    /// <summary>Shares this pass uploaded completely.</summary>
    public IEnumerable<int> Completed => _targets.Where(t => t.Value.Complete).Select(t => t.Key);

    public ValueTask BeginAsync(ChkParameters parameters, StorageIndex storageIndex, CancellationToken cancellationToken) =>
        BeginAsync(parameters, storageIndex, UriExtension.SerializedLength(parameters), cancellationToken);

    /// <summary>
    /// Begins a pass whose shares end in a URI extension block of <paramref name="uriExtensionLength"/>
    /// bytes: a repair's, whose UEB is the one the file's shares carry (an old Tahoe-LAFS UEB with its
    /// plaintext hashes is longer than the one Granary writes).
    /// </summary>
    public async ValueTask BeginAsync(ChkParameters parameters, StorageIndex storageIndex, int uriExtensionLength, CancellationToken cancellationToken)
    {
        _parameters = parameters;
        _index = storageIndex;
        _header = ShareHeader.For(parameters);
        _shareSize = _header.ShareSize(uriExtensionLength);
        // A run is about RunBytes, but never more blocks than the share has: a 4 KiB file's ten shares
        // need ten buffers of a block each, not ten of a MiB (16 small uploads at once made 160 MiB of garbage).
        var blocksPerRun = Math.Clamp((int)Math.Round((double)RunBytes / parameters.BlockSize), 1, parameters.SegmentCount);
        _buffers = new RunBuffers(ShareHeader.MaxSize + (blocksPerRun * parameters.BlockSize));
        var placement = await placer.PlaceAsync(storageIndex, parameters.N, _shareSize, _uploadSecret, cancellationToken).ConfigureAwait(false);
        Unusable = placement.Unusable;
        foreach (var (share, server) in placement.Targets)
        {
            _targets[share] = new ShareTarget(share, server, _header.Serialize(), _buffers);
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

            if (!target.HasRoomFor(blockSize))
            {
                await SendAsync(target, target.TakeRun(), cancellationToken).ConfigureAwait(false);
            }

            target.Append(shareBlocks.Span.Slice(target.Share * blockSize, blockSize));
            if (segment == _parameters.SegmentCount - 1)
            {
                await SendAsync(target, target.TakeRun(), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sends every share's trailer (hash trees and URI extension block) and waits for all writes.</summary>
    public async Task FinishAsync(ChkShares encoding, CancellationToken cancellationToken)
    {
        foreach (var target in _targets.Values.Where(t => !t.Failed))
        {
            var trailer = encoding.Trailer(target.Share);
            await SendAsync(target, new Run(trailer, trailer.Length, _header.PlaintextHashTreeOffset), cancellationToken).ConfigureAwait(false);
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

                var result = await client.Grid.WithDeadlineAsync(
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
            _buffers.Return(run.Buffer);
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

    /// <summary>
    /// Gives back every allocation not yet complete, after a failure or a cancellation that stops the
    /// upload: waits for the writes in flight to end, then tells each server, all at once, within
    /// <paramref name="limit"/> in all. Best effort: what a server does not hear of, it drops after
    /// its idle timeout, and a later upload of the same file joins meanwhile.
    /// </summary>
    public async Task AbortUnfinishedAsync(TimeSpan limit)
    {
        using var deadline = new CancellationTokenSource(limit);
        Task[] writes;
        lock (_lock)
        {
            writes = [.. _writes];
        }

        try
        {
            await Task.WhenAll(writes).WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Writes fail or are cancelled with the upload; only their end matters here.
        }

        await Allocations.AbortAsync(
            client.Grid, _index, _targets.Values.Where(t => !t.Complete).Select(t => KeyValuePair.Create(t.Share, t.Server)).ToList(), _uploadSecret, deadline.Token).ConfigureAwait(false);
    }

    /// <summary>One share on its way to one server: the run being collected and where it goes next.</summary>
    private sealed class ShareTarget
    {
        private readonly RunBuffers _buffers;
        private byte[] _run;
        private long _runOffset;

        public ShareTarget(int share, StorageClient server, byte[] header, RunBuffers buffers)
        {
            Share = share;
            Server = server;
            _buffers = buffers;
            _run = buffers.Rent();
            header.CopyTo(_run, 0);
            Pending = header.Length;
        }

        public int Share { get; }

        public StorageClient Server { get; }

        public int Pending { get; private set; }

        public volatile bool Failed;

        public volatile bool Complete;

        public bool HasRoomFor(int bytes) => Pending + bytes <= _run.Length;

        public void Append(ReadOnlySpan<byte> block)
        {
            block.CopyTo(_run.AsSpan(Pending));
            Pending += block.Length;
        }

        /// <summary>Hands over the collected bytes (the run's buffer goes with them) and starts a new run after them.</summary>
        public Run TakeRun()
        {
            var run = new Run(_run, Pending, _runOffset);
            _runOffset += Pending;
            _run = _buffers.Rent();
            Pending = 0;
            return run;
        }

        /// <summary>Returns the run buffer not yet handed over.</summary>
        public void Release() => _buffers.Return(_run);
    }

    /// <summary>
    /// The sink's run buffers, all of one size and reused: at most one per share being collected plus
    /// one per write in flight (and one waiting to go) ever exist, however large the file.
    /// </summary>
    private sealed class RunBuffers(int size)
    {
        private readonly System.Collections.Concurrent.ConcurrentBag<byte[]> _free = [];

        public byte[] Rent() => _free.TryTake(out var buffer) ? buffer : GC.AllocateUninitializedArray<byte>(size, pinned: true);

        /// <summary>Takes back a run buffer; a buffer of another size (a trailer's) is left to the collector.</summary>
        public void Return(byte[] buffer)
        {
            if (buffer.Length == size)
            {
                _free.Add(buffer);
            }
        }
    }

    private readonly record struct Run(byte[] Buffer, int Length, long Offset);
}
