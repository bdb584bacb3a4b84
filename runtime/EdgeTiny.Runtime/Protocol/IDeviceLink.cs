namespace EdgeTiny.Runtime.Protocol
{
    /// <summary>
    /// A byte pipe between a device and a host: a UART or USB CDC serial port on a board, a TCP socket or a tty on
    /// the desktop and Raspberry Pi, an in-memory pipe in tests. Reads wait a short, link-defined time (tens to a few
    /// hundred milliseconds) so the server can notice a stop request and time out a half-received frame.
    /// </summary>
    public interface IDeviceLink
    {
        /// <summary>
        /// Reads up to <paramref name="count"/> bytes. Returns the bytes read (&gt; 0), <see cref="LinkRead.Closed"/> (0)
        /// when the other side has gone (a serial line never closes), or <see cref="LinkRead.TimedOut"/> (-1) when
        /// nothing arrived within the link's read timeout.
        /// </summary>
        int Read(byte[] buffer, int offset, int count);

        /// <summary>Writes all bytes (throws System.IO.IOException when the other side has gone).</summary>
        void Write(byte[] buffer, int offset, int count);
    }

    public static class LinkRead
    {
        public const int Closed = 0;
        public const int TimedOut = -1;
    }
}
