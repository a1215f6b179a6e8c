namespace Granary.Hub.Tracker;

/// <summary>
/// Many writers side by side, or one exclusive holder: writers never wait (they are refused while
/// the exclusive holder runs, so a client gets a prompt 503 rather than a long stall), and the
/// exclusive holder waits for the writers already inside to leave.
/// </summary>
internal sealed class AsyncGate
{
    private readonly SemaphoreSlim _exclusive = new(1, 1);
    private int _shared;
    private volatile bool _closed;
    private TaskCompletionSource? _drained;

    public Ticket TryEnterShared()
    {
        Interlocked.Increment(ref _shared);
        if (_closed)
        {
            Leave();
            return default;
        }

        return new Ticket(this, shared: true);
    }

    public async Task<Ticket> EnterExclusiveAsync(CancellationToken cancellationToken)
    {
        await _exclusive.WaitAsync(cancellationToken).ConfigureAwait(false);
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _drained, drained);
        _closed = true;
        if (Volatile.Read(ref _shared) == 0)
        {
            drained.TrySetResult();
        }

        try
        {
            await drained.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Open();
            throw;
        }

        return new Ticket(this, shared: false);
    }

    private void Leave()
    {
        if (Interlocked.Decrement(ref _shared) == 0 && _closed)
        {
            Volatile.Read(ref _drained)?.TrySetResult();
        }
    }

    private void Open()
    {
        _closed = false;
        _exclusive.Release();
    }

    internal readonly struct Ticket : IDisposable
    {
        private readonly AsyncGate? _gate;
        private readonly bool _shared;

        public Ticket(AsyncGate gate, bool shared)
        {
            _gate = gate;
            _shared = shared;
        }

        public bool Entered => _gate is not null;

        public void Dispose()
        {
            if (_gate is null)
            {
                return;
            }

            if (_shared)
            {
                _gate.Leave();
            }
            else
            {
                _gate.Open();
            }
        }
    }
}
