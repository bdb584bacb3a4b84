using System.IO.Ports;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Firmware
{
    /// <summary>
    /// A nanoFramework serial port as a device link. nanoFramework's SerialPort.Read throws a TimeoutException when nothing
    /// arrives, so this polls BytesToRead and sleeps in short steps instead (no exception per idle poll).
    /// </summary>
    public sealed class SerialLink : IDeviceLink
    {
        private readonly SerialPort _port;
        private readonly int _readTimeoutMs;

        public SerialLink(SerialPort port, int readTimeoutMs)
        {
            _port = port;
            _readTimeoutMs = readTimeoutMs;
        }

        public static SerialLink Open(string portName, int baudRate, int readTimeoutMs)
        {
            SerialPort port = new SerialPort(portName, baudRate, Parity.None, 8, StopBits.One);
            port.WriteTimeout = 2000;
            port.Open();
            return new SerialLink(port, readTimeoutMs);
        }

        public int Read(byte[] buffer, int offset, int count)
        {
            int waited = 0;
            int available = _port.BytesToRead;
            while (available == 0)
            {
                if (waited >= _readTimeoutMs) return LinkRead.TimedOut;
                System.Threading.Thread.Sleep(5);
                waited += 5;
                available = _port.BytesToRead;
            }
            return _port.Read(buffer, offset, available < count ? available : count);
        }

        public void Write(byte[] buffer, int offset, int count)
        {
            _port.Write(buffer, offset, count);
        }
    }
}
