using System.Threading.Tasks.Sources;

namespace Granary.Core.Chk;

/// <summary>
/// A reusable "this batch is ready" signal a thread sets and an async method awaits, without
/// allocating: one per batch slot, reset after each use. Once the ring it belongs to has failed,
/// every wait on it fails too, so a consumer can never wait for a batch nobody will produce.
/// </summary>
internal sealed class BatchSignal(BatchRing ring) : IValueTaskSource
{
    private readonly Lock _lock = new();
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private bool _completed;

    public ValueTask WaitAsync() => new(this, _core.Version);

    public void Set()
    {
        lock (_lock)
        {
            if (!_completed)
            {
                _completed = true;
                _core.SetResult(true);
            }
        }
    }

    public void Fail(Exception error)
    {
        lock (_lock)
        {
            if (!_completed)
            {
                _completed = true;
                _core.SetException(error);
            }
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _core.Reset();
            _completed = false;
            if (ring.Failure is { } failure)
            {
                _completed = true;
                _core.SetException(failure);
            }
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
