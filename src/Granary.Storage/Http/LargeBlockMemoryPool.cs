using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Granary.Storage.Http;

/// <summary>
/// Kestrel's buffers for this node: 64 KiB pinned blocks instead of its default 4 KiB. A socket
/// read fills one block, so a megabyte of share data arrives in 16 reads rather than 256 — the
/// system calls, not the copying, were most of what receiving a share cost.
/// </summary>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 64 * 1024;

    // Enough idle blocks for a few dozen connections in full flow; more are allocated on demand and
    // let go, so an idle node does not keep a burst's memory.
    private const int MaxIdleBlocks = 256;

    private readonly ConcurrentQueue<byte[]> _idle = new();
    private int _idleCount;

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(minBufferSize), $"Blocks are {BlockSize} bytes.");
        }

        if (_idle.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _idleCount);
        }
        else
        {
            block = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
        }

        return new Block(this, block);
    }

    protected override void Dispose(bool disposing) => _idle.Clear();

    private void Return(byte[] block)
    {
        if (Interlocked.Increment(ref _idleCount) <= MaxIdleBlocks)
        {
            _idle.Enqueue(block);
        }
        else
        {
            Interlocked.Decrement(ref _idleCount);
        }
    }

    private sealed class Block(LargeBlockMemoryPool pool, byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } returned)
            {
                pool.Return(returned);
            }
        }
    }
}

/// <summary>Gives Kestrel <see cref="LargeBlockMemoryPool"/>s (it asks through DI, one pool per transport).</summary>
internal sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
}
