// Checked against nanoframework/System.IO.Ports: System.IO.Ports/SerialPort.cs (constructor (portName, baudRate, parity,
// dataBits, stopBits), Open/Close, BytesToRead, Read/Write(byte[], int, int), ReadTimeout/WriteTimeout). Parity/StopBits: the names
// the constructor takes; their numeric values follow .NET's and were not read from nanoFramework's files.
// Package nanoFramework.System.IO.Ports (1.1.x). Read throws TimeoutException when nothing arrives in ReadTimeout, so
// the firmware polls BytesToRead instead.
namespace System.IO.Ports
{
    public enum Parity
    {
        None = 0,
        Odd = 1,
        Even = 2,
        Mark = 3,
        Space = 4,
    }

    public enum StopBits
    {
        None = 0,
        One = 1,
        Two = 2,
        OnePointFive = 3,
    }

    public sealed class SerialPort : IDisposable
    {
        public const int InfiniteTimeout = -1;
        public SerialPort(string portName, int baudRate = 9600, Parity parity = Parity.None, int dataBits = 8, StopBits stopBits = StopBits.One) { }
        public void Open() => throw null;
        public void Close() => throw null;
        public bool IsOpen => throw null;
        public int BytesToRead => throw null;
        public int ReadTimeout { get => throw null; set { } }
        public int WriteTimeout { get => throw null; set { } }
        public int Read(byte[] buffer, int offset, int count) => throw null;
        public void Write(byte[] buffer, int offset, int count) => throw null;
        public void Dispose() => throw null;
    }
}
