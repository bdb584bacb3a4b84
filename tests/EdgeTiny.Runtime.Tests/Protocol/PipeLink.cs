using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Runtime.Tests.Protocol;

/// <summary>
/// An in-memory duplex pipe: <see cref="Create"/> gives two connected ends. Reads wait up to
/// <see cref="ReadTimeoutMs"/> and return -1 when nothing came, 0 once the other end closed and everything was read.
/// </summary>
public sealed class PipeLink : IDeviceLink
{
    private sealed class Channel
    {
        public readonly Queue<byte> Bytes = new();
        public bool Closed;
    }

    private readonly Channel _in, _out;
    public int ReadTimeoutMs { get; set; } = 20;
    /// <summary>Largest chunk one Read returns (1 = byte by byte).</summary>
    public int MaxChunk { get; set; } = int.MaxValue;

    private PipeLink(Channel input, Channel output)
    {
        _in = input;
        _out = output;
    }

    public static (PipeLink Host, PipeLink Device) Create()
    {
        var a = new Channel();
        var b = new Channel();
        return (new PipeLink(a, b), new PipeLink(b, a));
    }

    public int Read(byte[] buffer, int offset, int count)
    {
        lock (_in)
        {
            DateTime deadline = DateTime.UtcNow.AddMilliseconds(ReadTimeoutMs);
            while (_in.Bytes.Count == 0)
            {
                if (_in.Closed) return LinkRead.Closed;
                int left = (int)(deadline - DateTime.UtcNow).TotalMilliseconds;
                if (left <= 0) return LinkRead.TimedOut;
                Monitor.Wait(_in, left);
            }
            int n = Math.Min(Math.Min(count, _in.Bytes.Count), MaxChunk);
            for (int i = 0; i < n; i++) buffer[offset + i] = _in.Bytes.Dequeue();
            return n;
        }
    }

    public void Write(byte[] buffer, int offset, int count)
    {
        lock (_out)
        {
            if (_out.Closed) throw new IOException("pipe closed");
            for (int i = 0; i < count; i++) _out.Bytes.Enqueue(buffer[offset + i]);
            Monitor.PulseAll(_out);
        }
    }

    public void Write(byte[] bytes) => Write(bytes, 0, bytes.Length);

    /// <summary>Closes this end: the other end reads what is left, then 0.</summary>
    public void Close()
    {
        lock (_out)
        {
            _out.Closed = true;
            Monitor.PulseAll(_out);
        }
        lock (_in)
        {
            _in.Closed = true;
            Monitor.PulseAll(_in);
        }
    }
}

/// <summary>Frames built by hand for tests (valid, or broken on purpose).</summary>
public static class Frames
{
    public static byte[] Build(int kind, uint id, byte[] payload)
    {
        var buf = new byte[DeviceProtocol.OverheadBytes + payload.Length];
        payload.CopyTo(buf, DeviceProtocol.HeaderBytes);
        int n = FrameCodec.Seal(buf, kind, id, payload.Length);
        Assert.Equal(buf.Length, n);
        return buf;
    }

    public static byte[] Payload(Action<PayloadWriter> write, int capacity = 4096)
    {
        var buf = new byte[capacity];
        var w = new PayloadWriter();
        w.Reset(buf, 0, capacity);
        write(w);
        return buf[..w.Length];
    }
}
