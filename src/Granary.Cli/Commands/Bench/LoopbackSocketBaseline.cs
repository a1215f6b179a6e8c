using System.Net;
using System.Net.Sockets;

namespace Granary.Cli.Commands.Bench;

/// <summary>
/// The transport ceiling beside the node in <c>granary bench node</c>: the same bodies through plain
/// TCP connections on loopback, with no HTTP and no protocol, the receiving end writing them into a
/// file (writes) or the sending end reading them from one (reads). A storage node is a network
/// server, so no node on this machine can move share bytes faster than this; the node's figure
/// over this one is what its HTTP protocol and share store cost.
/// </summary>
internal sealed class LoopbackSocketBaseline : IDisposable
{
    private readonly (Socket Client, Socket Server)[] _connections;
    private readonly int _body;
    private readonly int _bodiesPerFile;

    private LoopbackSocketBaseline((Socket, Socket)[] connections, int body, int fileSize)
    {
        _connections = connections;
        _body = body;
        _bodiesPerFile = fileSize / body;
    }

    /// <summary>Opens one connection per stream, as the node's client keeps one request in flight per stream.</summary>
    public static async Task<LoopbackSocketBaseline> OpenAsync(int streams, int body, int fileSize, CancellationToken cancellationToken)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var connections = new (Socket, Socket)[streams];
        for (var i = 0; i < streams; i++)
        {
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            var accepting = listener.AcceptAsync(cancellationToken);
            await client.ConnectAsync(listener.LocalEndPoint!, cancellationToken);
            connections[i] = (client, await accepting);
        }

        return new LoopbackSocketBaseline(connections, body, fileSize);
    }

    /// <summary>Sends <paramref name="payload"/> from the client ends; the server ends write each body at its offset in <paramref name="file"/>, which is then flushed to disk.</summary>
    public async Task WriteAsync(string file, byte[] payload, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(file, FileMode.Create, FileAccess.Write);
        await Task.WhenAll(_connections.Select((connection, stream) => Task.WhenAll(
            SendAsync(connection.Client, stream, (body, _) => payload.AsMemory(body * _body, _body), cancellationToken),
            ReceiveAsync(connection.Server, stream, (body, data) => RandomAccess.Write(handle, data.Span, (long)body * _body), cancellationToken))));
        RandomAccess.FlushToDisk(handle);
    }

    /// <summary>The server ends read <paramref name="file"/> body by body and send it; the client ends receive it.</summary>
    public async Task ReadAsync(string file, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read);
        await Task.WhenAll(_connections.Select((connection, stream) => Task.WhenAll(
            SendAsync(connection.Server, stream, (body, buffer) => buffer[..RandomAccess.Read(handle, buffer.Span, (long)body * _body)], cancellationToken),
            ReceiveAsync(connection.Client, stream, (_, _) => { }, cancellationToken))));
    }

    public void Dispose()
    {
        foreach (var (client, server) in _connections)
        {
            client.Dispose();
            server.Dispose();
        }
    }

    // Stream s carries bodies s, s + streams, s + 2 streams, … of the file.
    private IEnumerable<int> Bodies(int stream)
    {
        for (var body = stream; body < _bodiesPerFile; body += _connections.Length)
        {
            yield return body;
        }
    }

    // Each end runs on a thread of its own with blocking calls, the cheapest way to move bytes
    // through a socket (no readiness notifications, no thread pool hops).
    private static Task OnThread(Action work) => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private Task SendAsync(Socket socket, int stream, Func<int, Memory<byte>, ReadOnlyMemory<byte>> source, CancellationToken cancellationToken) => OnThread(() =>
    {
        var buffer = new byte[_body];
        foreach (var body in Bodies(stream))
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var data = source(body, buffer); !data.IsEmpty;)
            {
                data = data[socket.Send(data.Span)..];
            }
        }
    });

    private Task ReceiveAsync(Socket socket, int stream, Action<int, ReadOnlyMemory<byte>> sink, CancellationToken cancellationToken) => OnThread(() =>
    {
        var buffer = new byte[_body];
        foreach (var body in Bodies(stream))
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var filled = 0; filled < _body;)
            {
                var read = socket.Receive(buffer.AsSpan(filled));
                filled += read > 0 ? read : throw new IOException("the loopback connection closed early");
            }

            sink(body, buffer);
        }
    });
}
