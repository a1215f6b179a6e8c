using System.Diagnostics;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Protocol;

namespace Granary.Client;

/// <summary>What one server said when asked about a file.</summary>
public sealed record ServerProbe(StorageClient Server, bool Reachable, IReadOnlySet<int> Holds, long AvailableSpace, TimeSpan Latency, string? Error)
{
    public string Name => $"node {Server.Url.NodeId.ToString()[..8]}";
}

/// <summary>The storage servers a client knows, and the per-request deadline it gives them.</summary>
public sealed class StorageGrid(IEnumerable<StorageUrl> servers, HttpClient http, TimeSpan timeout)
{
    public IReadOnlyList<StorageClient> Servers { get; } = [.. servers.DistinctBy(s => s.NodeId).Select(url => new StorageClient(url, http))];

    public TimeSpan Timeout { get; } = timeout;

    /// <summary>Runs <paramref name="call"/> with this grid's deadline; a late answer becomes a <see cref="StorageException"/>.</summary>
    public async Task<T> WithDeadlineAsync<T>(StorageClient server, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        try
        {
            return await call(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StorageException($"node {server.Url.NodeId.ToString()[..8]}", null, $"no answer within {Timeout.TotalSeconds:0.#} s", e);
        }
    }

    /// <summary>Asks every server at once which shares of <paramref name="index"/> it holds (and, if asked, how much room it has).</summary>
    public async Task<IReadOnlyList<ServerProbe>> ProbeAsync(StorageIndex index, bool withSpace, CancellationToken cancellationToken)
    {
        var probes = await Task.WhenAll(Servers.Select(async server =>
        {
            var clock = Stopwatch.StartNew();
            try
            {
                var holds = await WithDeadlineAsync(server, ct => server.ListSharesAsync(index, ct), cancellationToken).ConfigureAwait(false);
                var latency = clock.Elapsed;
                var space = withSpace ? (await WithDeadlineAsync(server, ct => server.GetVersionAsync(ct), cancellationToken).ConfigureAwait(false)).AvailableSpace : 0;
                return new ServerProbe(server, true, holds.ToHashSet(), space, latency, null);
            }
            catch (StorageException e)
            {
                return new ServerProbe(server, false, new HashSet<int>(), 0, clock.Elapsed, e.Reason);
            }
        })).ConfigureAwait(false);
        return probes;
    }
}
