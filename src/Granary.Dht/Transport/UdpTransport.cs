using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Granary.Dht.Wire;

namespace Granary.Dht.Transport;

/// <summary>One UDP socket; a receive loop hands each datagram on. Datagrams larger than the protocol's limit are dropped unread.</summary>
public sealed class UdpTransport : IDhtTransport
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;

    public UdpTransport(IPEndPoint bind)
    {
        _socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (bind.AddressFamily == AddressFamily.InterNetworkV6)
        {
            _socket.DualMode = true;
        }

        _socket.Bind(bind);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public void Start(Func<ReadOnlyMemory<byte>, IPEndPoint, ValueTask> receive) => _receiving = Task.Run(() => ReceiveLoopAsync(receive));

    public async ValueTask<bool> SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint to, CancellationToken cancellationToken)
    {
        try
        {
            await _socket.SendToAsync(datagram, SocketFlags.None, to, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        try
        {
            await _receiving.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync(Func<ReadOnlyMemory<byte>, IPEndPoint, ValueTask> receive)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Envelope.MaxDatagramSize + 1);
        EndPoint any = new IPEndPoint(LocalEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                SocketReceiveFromResult result;
                try
                {
                    result = await _socket.ReceiveFromAsync(buffer.AsMemory(0, Envelope.MaxDatagramSize + 1), SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    // An ICMP error for an earlier send, or a datagram too large for the buffer: carry on.
                    continue;
                }

                if (result.ReceivedBytes > Envelope.MaxDatagramSize)
                {
                    continue;
                }

                await receive(buffer.AsMemory(0, result.ReceivedBytes), Normalize((IPEndPoint)result.RemoteEndPoint)).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
}
