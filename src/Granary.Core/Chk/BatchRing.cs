using System.Runtime.CompilerServices;

namespace Granary.Core.Chk;

/// <summary>
/// A ring of pinned batch buffers passed from a reader thread, through optional worker threads, to
/// one async consumer that takes them strictly in order.
/// </summary>
/// <remarks>
/// Guarantees: batches reach the consumer in order; at most <c>slots</c> batches exist at once, so
/// memory is bounded whatever the file size; steady state allocates nothing (threads block on a
/// semaphore and a monitor, the consumer awaits reusable <see cref="BatchSignal"/>s). Any failure
/// (a read error, a worker's exception, cancellation) fails every pending and future wait, so the
/// consumer always wakes. It assumes one consumer and does not reorder work between workers.
/// </remarks>
internal sealed class BatchRing : IDisposable
{
    private readonly Slot[] _slots;
    private readonly SemaphoreSlim _free;
    private readonly Queue<int> _ready = new();
    private readonly object _readyLock = new(); // Monitor.Wait needs a plain object
    private readonly CancellationTokenSource _stop;
    private readonly CancellationTokenRegistration _cancellation;
    private readonly List<Thread> _threads = [];
    private volatile Exception? _failure;
    private bool _readingDone;

    public BatchRing(int slots, int slotBytes, CancellationToken cancellationToken)
    {
        _slots = new Slot[slots];
        for (var i = 0; i < slots; i++)
        {
            _slots[i] = new Slot(GC.AllocateUninitializedArray<byte>(slotBytes, pinned: true), new BatchSignal(this));
        }

        _free = new SemaphoreSlim(slots, slots);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((BatchRing)state!).Fail(new OperationCanceledException(token)), this);
    }

    public Exception? Failure => _failure;

    public sealed unsafe class Slot(byte[] buffer, BatchSignal done)
    {
        public byte[] Buffer { get; } = buffer;

        public byte* Memory => (byte*)Unsafe.AsPointer(ref Buffer[0]);

        public BatchSignal Done { get; } = done;

        public int FirstSegment { get; set; }

        public int Count { get; set; }
    }

    /// <summary>
    /// Starts the reader thread: for each batch it waits for a free slot, calls <paramref name="fill"/>
    /// and then either hands the slot to the workers or, with none, marks it done.
    /// </summary>
    public void StartReader(int batches, Action<int, Slot> fill, bool toWorkers)
    {
        Start("granary-read", () =>
        {
            for (var batch = 0; batch < batches; batch++)
            {
                _free.Wait(_stop.Token);
                var slot = SlotOf(batch);
                fill(batch, slot);
                if (toWorkers)
                {
                    lock (_readyLock)
                    {
                        _ready.Enqueue(batch);
                        Monitor.Pulse(_readyLock);
                    }
                }
                else
                {
                    slot.Done.Set();
                }
            }

            lock (_readyLock)
            {
                _readingDone = true;
                Monitor.PulseAll(_readyLock);
            }
        });
    }

    /// <summary>Starts <paramref name="count"/> worker threads, each with its own work from <paramref name="createWork"/>, on the batches they take.</summary>
    public void StartWorkers(int count, Func<Action<int, Slot>> createWork)
    {
        for (var i = 0; i < count; i++)
        {
            var work = createWork();
            Start($"granary-encode-{i}", () =>
            {
                while (TakeReady() is int batch)
                {
                    var slot = SlotOf(batch);
                    work(batch, slot);
                    slot.Done.Set();
                }
            });
        }
    }

    /// <summary>Waits for batch <paramref name="batch"/>; throws the pipeline's failure if there was one.</summary>
    public async ValueTask<Slot> NextAsync(int batch)
    {
        var slot = SlotOf(batch);
        await slot.Done.WaitAsync().ConfigureAwait(false);
        return slot;
    }

    /// <summary>Returns a consumed slot to the reader.</summary>
    public void Release(Slot slot)
    {
        slot.Done.Reset();
        _free.Release();
    }

    /// <summary>Fails the whole ring: every waiting and future consumer wait throws <paramref name="error"/>.</summary>
    public void Fail(Exception error)
    {
        if (Interlocked.CompareExchange(ref _failure, error, null) is not null)
        {
            return;
        }

        foreach (var slot in _slots)
        {
            slot.Done.Fail(error);
        }

        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        lock (_readyLock)
        {
            Monitor.PulseAll(_readyLock);
        }
    }

    /// <summary>Stops the threads (failing the ring if they are not finished) and waits for them.</summary>
    public void Dispose()
    {
        if (_threads.Any(t => t.IsAlive))
        {
            Fail(new OperationCanceledException("The pipeline was stopped."));
        }

        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _cancellation.Dispose();
        _stop.Dispose();
        _free.Dispose();
    }

    private Slot SlotOf(int batch) => _slots[batch % _slots.Length];

    private int? TakeReady()
    {
        lock (_readyLock)
        {
            while (_ready.Count == 0 && !_readingDone && _failure is null)
            {
                Monitor.Wait(_readyLock);
            }

            return _failure is null && _ready.Count > 0 ? _ready.Dequeue() : null;
        }
    }

    private void Start(string name, Action body)
    {
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (OperationCanceledException) when (_failure is not null)
            {
                // Stopping because something else failed; that failure is what the consumer sees.
            }
            catch (Exception e)
            {
                Fail(e);
            }
        })
        {
            Name = name,
            IsBackground = true,
        };
        _threads.Add(thread);
        thread.Start();
    }
}
