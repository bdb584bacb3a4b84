using EdgeTiny.Converter;
using EdgeTiny.Runtime.Links;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Host.Protocol;

/// <summary>A board reached through --target (tcp://HOST:PORT or serial:/dev/ttyX): the link, a client and its hello.</summary>
public sealed class BoardLink : IDisposable
{
    public required string Where { get; init; }
    public required OpenedLink Opened { get; init; }
    public required DeviceClient Client { get; init; }
    public required HelloReply Hello { get; init; }

    /// <summary>Opens --target and says hello; anything wrong is bad input naming --target (exit 2).</summary>
    public static BoardLink Open(string target, int timeoutSeconds = 600)
    {
        LinkTarget where;
        try
        {
            where = LinkTarget.Parse(target);
        }
        catch (FormatException e)
        {
            throw new InputException("--target", e.Message);
        }
        OpenedLink opened;
        try
        {
            opened = where.Open();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or UnauthorizedAccessException)
        {
            throw new InputException("--target", $"cannot open {where}: {e.Message}");
        }
        var client = new DeviceClient(opened.Link, 1 << 18) { ReplyTimeoutMs = timeoutSeconds * 1000 };
        try
        {
            return new BoardLink { Where = where.ToString(), Opened = opened, Client = client, Hello = client.Hello() };
        }
        catch (Exception e) when (e is IOException or ProtocolException)
        {
            opened.Dispose();
            throw new InputException("--target", $"{where} did not answer hello: {e.Message}");
        }
    }

    public void Dispose() => Opened.Dispose();
}
