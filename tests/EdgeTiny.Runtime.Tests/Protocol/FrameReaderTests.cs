using System.Buffers.Binary;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Runtime.Tests.Protocol;

/// <summary>The frame reader against everything a byte stream can do wrong; after each fault the next good frame is read.</summary>
public sealed class FrameReaderTests
{
    private static readonly byte[] Good = Frames.Build(DeviceProtocol.Hello, 42, []);
    private static readonly byte[] GoodWithPayload = Frames.Build(DeviceProtocol.Stats, 43, [1]);

    private static (PipeLink Host, FrameReader Reader) Reader(int maxPayload = 1024, int frameTimeoutMs = 2000)
    {
        var (host, device) = PipeLink.Create();
        var reader = new FrameReader(maxPayload) { FrameTimeoutMs = frameTimeoutMs };
        reader.Attach(device);
        return (host, reader);
    }

    /// <summary>Next() until something other than Idle, within a bounded number of polls.</summary>
    private static int Next(FrameReader reader)
    {
        for (int i = 0; i < 500; i++)
        {
            int r = reader.Next();
            if (r != FrameReader.Idle) return r;
        }
        throw new TimeoutException("the reader stayed idle");
    }

    private static void AssertGood(FrameReader reader, byte[] frame)
    {
        Assert.Equal(FrameReader.Frame, Next(reader));
        Assert.Equal(frame[5], reader.Kind);
        Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(8)), reader.RequestId);
        Assert.Equal(frame.Length - DeviceProtocol.OverheadBytes, reader.PayloadLength);
        Assert.Equal(frame[16..^4], reader.Buffer[16..(16 + reader.PayloadLength)]);
    }

    [Fact]
    public void Reads_back_to_back_frames_and_frames_split_into_single_bytes()
    {
        var (host, reader) = Reader();
        host.Write([.. Good, .. GoodWithPayload]);
        AssertGood(reader, Good);
        AssertGood(reader, GoodWithPayload);

        var (host2, device2) = PipeLink.Create();
        device2.MaxChunk = 1;
        var r2 = new FrameReader(1024);
        r2.Attach(device2);
        host2.Write(GoodWithPayload);
        AssertGood(r2, GoodWithPayload);
    }

    [Fact]
    public void Idle_when_nothing_arrives()
    {
        var (_, reader) = Reader();
        Assert.Equal(FrameReader.Idle, reader.Next());
    }

    [Fact]
    public void Garbage_is_reported_once_then_skipped_to_the_next_magic()
    {
        var (host, reader) = Reader();
        byte[] garbage = [.. "hello world, EDT not a frame "u8.ToArray(), 0x45, 0x44, 0x54];
        host.Write([.. garbage, .. Good]);
        Assert.Equal(FrameReader.Malformed, Next(reader));
        Assert.Equal(ErrorCode.BadMagic, reader.Error);
        AssertGood(reader, Good);
    }

    [Fact]
    public void Bad_crc_drops_that_frame_only()
    {
        var (host, reader) = Reader();
        byte[] bad = (byte[])GoodWithPayload.Clone();
        bad[16] ^= 0x40;
        host.Write([.. bad, .. Good]);
        Assert.Equal(FrameReader.Malformed, Next(reader));
        Assert.Equal(ErrorCode.BadCrc, reader.Error);
        Assert.Equal(43u, reader.RequestId); // the header is echoed so the host knows which request failed
        AssertGood(reader, Good);
    }

    [Fact]
    public void Oversized_length_is_refused_without_reading_it_then_the_stream_resyncs()
    {
        var (host, reader) = Reader(maxPayload: 1024);
        byte[] header = Frames.Build(DeviceProtocol.Generate, 9, [])[..16];
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), 0x7FFFFFF0);
        host.Write([.. header, .. new byte[300], .. Good]);
        Assert.Equal(FrameReader.Malformed, Next(reader));
        Assert.Equal(ErrorCode.TooLarge, reader.Error);
        Assert.Equal(9u, reader.RequestId);
        AssertGood(reader, Good);
    }

    [Fact]
    public void Other_protocol_versions_and_flags_are_refused()
    {
        var (host, reader) = Reader();
        byte[] v2 = Frames.Build(DeviceProtocol.Hello, 5, []);
        v2[4] = DeviceProtocol.Version + 1; // a future version, with a valid CRC
        BinaryPrimitives.WriteUInt32LittleEndian(v2.AsSpan(16), EdgeTiny.Runtime.Format.Crc32.Compute(v2, 0, 16));
        byte[] flagged = Frames.Build(DeviceProtocol.Hello, 6, []);
        flagged[6] = 2; // version 2 defines only bit 0 (more, in replies)
        BinaryPrimitives.WriteUInt32LittleEndian(flagged.AsSpan(16), EdgeTiny.Runtime.Format.Crc32.Compute(flagged, 0, 16));
        host.Write([.. v2, .. flagged, .. Good]);
        Assert.Equal(FrameReader.Malformed, Next(reader));
        Assert.Equal(ErrorCode.BadVersion, reader.Error);
        Assert.Equal(FrameReader.Malformed, Next(reader));
        Assert.Equal(ErrorCode.BadFlags, reader.Error);
        AssertGood(reader, Good);
    }

    [Fact]
    public void A_frame_that_stops_half_way_times_out_as_incomplete()
    {
        var (host, reader) = Reader(frameTimeoutMs: 150);
        host.Write(GoodWithPayload[..10]);
        Assert.Equal(FrameReader.Malformed, Next(reader));
        Assert.Equal(ErrorCode.Incomplete, reader.Error);
        host.Write(Good);
        AssertGood(reader, Good);
    }

    [Fact]
    public void A_peer_that_closes_mid_frame_ends_the_link_and_a_new_link_starts_clean()
    {
        var (host, reader) = Reader();
        host.Write(GoodWithPayload[..18]);
        host.Close();
        Assert.Equal(FrameReader.Closed, Next(reader));

        var (host2, device2) = PipeLink.Create();
        reader.Attach(device2);
        host2.Write(Good);
        AssertGood(reader, Good);
    }
}
