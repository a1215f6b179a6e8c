using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Granary.Gateway.Wapi;

/// <summary>
/// Long-running operations started with <c>t=start-…&amp;ophandle=H</c> and watched at
/// <c>/operations/H</c>, kept as Tahoe keeps them: four days if nobody looks (or as long as the
/// operation runs), one day after a finished operation is first fetched, <c>retain-for</c> seconds
/// if given, and released at once by <c>release-after-complete=true</c>. Bounded in number.
/// </summary>
internal sealed class OperationStore(TimeProvider time)
{
    private const int MaxOperations = 1000;
    private static readonly TimeSpan Uncollected = TimeSpan.FromDays(4);
    private static readonly TimeSpan AfterCollected = TimeSpan.FromDays(1);

    private readonly ConcurrentDictionary<string, Operation> _operations = new(StringComparer.Ordinal);

    /// <summary>One operation: what it reports so far (<see cref="Status"/> is called on each fetch) and when it ends.</summary>
    internal sealed class Operation(string kind, Func<bool, JsonNode> status, DateTimeOffset started)
    {
        private readonly CancellationTokenSource _cancel = new();

        /// <summary>The <c>t=start-…</c> that began it (how its results are rendered depends on it).</summary>
        public string Kind { get; } = kind;

        public Func<bool, JsonNode> Status { get; } = status;

        public CancellationToken Token => _cancel.Token;

        public Task Work { get; set; } = Task.CompletedTask;

        public DateTimeOffset Expires { get; set; } = started + Uncollected;

        public TimeSpan? RetainFor { get; set; }

        public bool Finished => Work.IsCompleted;

        public void Cancel() => _cancel.Cancel();
    }

    public Operation Start(string handle, string kind, Func<bool, JsonNode> status, Func<CancellationToken, Task> work, TimeSpan? retainFor)
    {
        Sweep();
        if (_operations.Count >= MaxOperations)
        {
            throw new WapiException(503, $"too many operations are being kept ({MaxOperations}); fetch or release some");
        }

        var operation = new Operation(kind, status, time.GetUtcNow()) { RetainFor = retainFor };
        if (!_operations.TryAdd(handle, operation))
        {
            throw WapiException.BadRequest($"ophandle '{handle}' is already in use");
        }

        operation.Work = Task.Run(() => work(operation.Token), CancellationToken.None);
        return operation;
    }

    /// <summary>The operation under <paramref name="handle"/>, its keeping time renewed as Tahoe does; null if unknown or expired.</summary>
    public Operation? Fetch(string handle, bool release)
    {
        Sweep();
        if (!_operations.TryGetValue(handle, out var operation))
        {
            return null;
        }

        if (operation.Finished)
        {
            operation.Expires = time.GetUtcNow() + (operation.RetainFor ?? AfterCollected);
            if (release)
            {
                _operations.TryRemove(handle, out _);
            }
        }

        return operation;
    }

    /// <summary>Cancels the operation under <paramref name="handle"/> and forgets it; returns it, or null if unknown.</summary>
    public Operation? Cancel(string handle)
    {
        if (!_operations.TryRemove(handle, out var operation))
        {
            return null;
        }

        operation.Cancel();
        return operation;
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (handle, operation) in _operations)
        {
            if (operation.Finished && operation.Expires < now)
            {
                _operations.TryRemove(handle, out _);
            }
        }
    }
}
