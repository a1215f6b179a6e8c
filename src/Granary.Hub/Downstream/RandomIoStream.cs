using Granary.Core.Proofs;

namespace Granary.Hub.Downstream;

/// <summary>
/// The first <c>length</c> bytes of a RandomIO stream as a seekable, read-only <see cref="Stream"/>,
/// so a chunk can be encoded without ever being written out: every read is generated at its offset.
/// </summary>
internal sealed class RandomIoStream(string seed, long length) : Stream
{
    private readonly RandomIo _random = new(seed);
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var count = (int)Math.Clamp(length - _position, 0, buffer.Length);
        _random.Read(_position, buffer[..count]);
        _position += count;
        return count;
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _random.Dispose();
        }

        base.Dispose(disposing);
    }
}
