using System.Globalization;

namespace EdgeTiny.Runtime.Links;

/// <summary>Where a device is: <c>tcp://HOST:PORT</c> (a board-sim, a Pi host, a board on Wi-Fi) or <c>serial:/dev/ttyX[@BAUD]</c>.</summary>
public sealed record LinkTarget(string Scheme, string Host, int Port, string Device, int Baud)
{
    public const int DefaultBaud = 115200;

    public static LinkTarget Parse(string text)
    {
        if (text.StartsWith("tcp://", StringComparison.Ordinal))
        {
            (string host, int port) = ParseHostPort(text["tcp://".Length..], allowPortZero: false);
            return new LinkTarget("tcp", host, port, "", 0);
        }
        if (text.StartsWith("serial:", StringComparison.Ordinal))
        {
            string rest = text["serial:".Length..];
            int baud = DefaultBaud;
            int at = rest.LastIndexOf('@');
            if (at >= 0)
            {
                if (!int.TryParse(rest[(at + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out baud) || baud <= 0)
                    throw new FormatException($"'{rest[(at + 1)..]}' is not a baud rate");
                rest = rest[..at];
            }
            if (!rest.StartsWith('/')) throw new FormatException("a serial target is serial:/dev/ttyX (an absolute device path)");
            return new LinkTarget("serial", "", 0, rest, baud);
        }
        throw new FormatException($"'{text}' is not tcp://HOST:PORT or serial:/dev/ttyX");
    }

    /// <summary>HOST:PORT, HOST an IPv4 address, [IPv6] or a name such as localhost.</summary>
    public static (string Host, int Port) ParseHostPort(string text, bool allowPortZero)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0) throw new FormatException($"'{text}' is not HOST:PORT");
        string host = text[..colon].Trim('[', ']');
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535 || (port == 0 && !allowPortZero))
            throw new FormatException($"'{text[(colon + 1)..]}' is not a port ({(allowPortZero ? 0 : 1)}..65535)");
        if (host.Length == 0) throw new FormatException($"'{text}' has no host");
        return (host, port);
    }

    public OpenedLink Open(int connectTimeoutMs = 5000) => Scheme == "tcp"
        ? new OpenedLink(SocketLink.Connect(Host, Port, connectTimeoutMs))
        : new OpenedLink(TtyLink.Open(Device, Baud));

    public override string ToString() => Scheme == "tcp" ? $"tcp://{Host}:{Port}" : $"serial:{Device}@{Baud}";
}

/// <summary>An opened link and its owner.</summary>
public sealed class OpenedLink(Protocol.IDeviceLink link) : IDisposable
{
    public Protocol.IDeviceLink Link { get; } = link;
    public void Dispose() => (Link as IDisposable)?.Dispose();
}
