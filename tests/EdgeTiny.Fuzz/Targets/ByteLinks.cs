using System.Collections.Concurrent;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Fuzz.Targets;

/// <summary>A link that delivers a fixed byte string (in pieces of varying size, as a UART or socket would) and then closes.</summary>
public sealed class ScriptedLink(byte[] script) : IDeviceLink
{
    private int _at;
    public long BytesWritten { get; private set; }

    public int Read(byte[] buffer, int offset, int count)
    {
        if (_at >= script.Length) return LinkRead.Closed;
        // Piece sizes follow the bytes themselves, so a mutation also changes how frames are split across reads.
        int piece = 1 + script[_at] % 61;
        int n = Math.Min(Math.Min(count, piece), script.Length - _at);
        Array.Copy(script, _at, buffer, offset, n);
        _at += n;
        return n;
    }

    public void Write(byte[] buffer, int offset, int count) => BytesWritten += count;
}

/// <summary>One end of an in-memory duplex pipe (for recording real request and reply streams as seeds).</summary>
public sealed class PipeEnd : IDeviceLink
{
    private readonly BlockingCollection<byte[]> _in, _out;
    private byte[] _pending = [];
    private int _pendingAt;
    public MemoryStream Received { get; } = new();
    public MemoryStream Sent { get; } = new();

    private PipeEnd(BlockingCollection<byte[]> input, BlockingCollection<byte[]> output)
    {
        _in = input;
        _out = output;
    }

    public static (PipeEnd Host, PipeEnd Device) Create()
    {
        var a = new BlockingCollection<byte[]>();
        var b = new BlockingCollection<byte[]>();
        return (new PipeEnd(a, b), new PipeEnd(b, a));
    }

    public int Read(byte[] buffer, int offset, int count)
    {
        if (_pendingAt >= _pending.Length)
        {
            if (_in.IsCompleted) return LinkRead.Closed;
            if (!_in.TryTake(out byte[]? next, 50)) return _in.IsCompleted ? LinkRead.Closed : LinkRead.TimedOut;
            _pending = next;
            _pendingAt = 0;
        }
        int n = Math.Min(count, _pending.Length - _pendingAt);
        Array.Copy(_pending, _pendingAt, buffer, offset, n);
        Received.Write(_pending, _pendingAt, n);
        _pendingAt += n;
        return n;
    }

    public void Write(byte[] buffer, int offset, int count)
    {
        Sent.Write(buffer, offset, count);
        _out.Add(buffer.AsSpan(offset, count).ToArray());
    }

    /// <summary>This end is done sending: the other end reads Closed once it has read everything.</summary>
    public void Close() => _out.CompleteAdding();
}
