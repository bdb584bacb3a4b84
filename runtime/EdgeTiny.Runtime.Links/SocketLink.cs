using System.Net.Sockets;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Runtime.Links;

/// <summary>A connected TCP socket as a device link: reads wait at most <see cref="ReadTimeoutMs"/> (then -1), 0 when the peer closed.</summary>
public sealed class SocketLink(Socket socket) : IDeviceLink, IDisposable
{
    public Socket Socket { get; } = socket;
    public int ReadTimeoutMs { get; set; } = 100;

    public int Read(byte[] buffer, int offset, int count)
    {
        try
        {
            if (!Socket.Poll(ReadTimeoutMs * 1000, SelectMode.SelectRead)) return LinkRead.TimedOut;
            return Socket.Receive(buffer, offset, count, SocketFlags.None); // 0: orderly close
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
        {
            return LinkRead.Closed;
        }
        catch (ObjectDisposedException)
        {
            return LinkRead.Closed;
        }
    }

    public void Write(byte[] buffer, int offset, int count)
    {
        try
        {
            int done = 0;
            while (done < count) done += Socket.Send(buffer, offset + done, count - done, SocketFlags.None);
        }
        catch (SocketException e)
        {
            throw new IOException($"send failed: {e.SocketErrorCode}", e);
        }
        catch (ObjectDisposedException e)
        {
            throw new IOException("the socket is closed", e);
        }
    }

    /// <summary>Connects to host:port (loopback or a board's address), failing after <paramref name="timeoutMs"/>.</summary>
    public static SocketLink Connect(string host, int port, int timeoutMs = 5000)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(timeoutMs);
            socket.ConnectAsync(host, port, cts.Token).AsTask().GetAwaiter().GetResult();
            return new SocketLink(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try { Socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
        Socket.Dispose();
    }
}
