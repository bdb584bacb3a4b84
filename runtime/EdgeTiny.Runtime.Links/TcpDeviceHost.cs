using System.Net;
using System.Net.Sockets;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Runtime.Links;

/// <summary>
/// Serves a <see cref="DeviceServer"/> over TCP, one client at a time (a board has one model and one serial port; the
/// simulator behaves the same): a second client waits in the listen backlog until the first disconnects.
/// <see cref="Stop"/> (from a signal handler or another thread) ends <see cref="Run"/> within a read timeout.
/// </summary>
public sealed class TcpDeviceHost : IDisposable
{
    private readonly DeviceServer _server;
    private readonly Socket _listener;
    private volatile bool _stopping;

    /// <summary>Told when a client connects and when it leaves (with the requests it made).</summary>
    public Action<EndPoint?>? Connected { get; set; }
    public Action<EndPoint?, int>? Disconnected { get; set; }

    public TcpDeviceHost(DeviceServer server, IPEndPoint endpoint)
    {
        _server = server;
        _listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(endpoint);
        _listener.Listen(4);
    }

    /// <summary>The address actually listened on (the port is filled in when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Resolves HOST:PORT (port 0 = any free port) to an endpoint to listen on.</summary>
    public static IPEndPoint ParseListen(string text)
    {
        (string host, int port) = LinkTarget.ParseHostPort(text, allowPortZero: true);
        if (host == "localhost") return new IPEndPoint(IPAddress.Loopback, port);
        if (!IPAddress.TryParse(host, out IPAddress? address)) throw new FormatException($"'{host}' is not an IP address (or localhost)");
        return new IPEndPoint(address, port);
    }

    /// <summary>Accepts and serves clients until <see cref="Stop"/>.</summary>
    public void Run()
    {
        while (!_stopping)
        {
            Socket client;
            try
            {
                if (!_listener.Poll(100_000, SelectMode.SelectRead)) continue;
                client = _listener.Accept();
            }
            catch (SocketException) when (_stopping) { break; }
            catch (ObjectDisposedException) { break; }
            client.NoDelay = true;
            EndPoint? peer = client.RemoteEndPoint;
            Connected?.Invoke(peer);
            int before = _server.RequestsServed;
            using (var link = new SocketLink(client))
            {
                if (!_server.Serve(link)) break;
            }
            Disconnected?.Invoke(peer, Math.Max(0, _server.RequestsServed - before));
        }
    }

    public void Stop()
    {
        _stopping = true;
        _server.Stop();
    }

    public void Dispose() => _listener.Dispose();
}
