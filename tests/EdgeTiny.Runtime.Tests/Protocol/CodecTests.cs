using System.Buffers.Binary;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Runtime.Tests.Protocol;

public sealed class CodecTests
{
    [Fact]
    public void Float_bits_match_the_bcl_for_normals_subnormals_zeros_and_infinities()
    {
        var rng = new Random(5);
        var values = new List<float> { 0f, -0f, 1f, -1f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue,
            float.PositiveInfinity, float.NegativeInfinity, 1.17549435e-38f, 1.1754942e-38f, 5.877472e-39f, 3.4028235e38f };
        for (int i = 0; i < 200000; i++)
        {
            float f = BitConverter.Int32BitsToSingle(rng.Next() ^ (rng.Next() << 1));
            if (!float.IsNaN(f)) values.Add(f);
        }
        foreach (float f in values)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(f), FloatBits.ToBits(f));
            Assert.Equal(BitConverter.SingleToInt32Bits(f), BitConverter.SingleToInt32Bits(FloatBits.FromBits(FloatBits.ToBits(f))));
        }
        Assert.True(float.IsNaN(FloatBits.FromBits(FloatBits.ToBits(float.NaN))));
    }

    [Fact]
    public void Payload_values_round_trip()
    {
        byte[] p = Frames.Payload(w =>
        {
            w.WriteByte(0xAB);
            w.WriteUInt16(0xBEEF);
            w.WriteInt32(-123456789);
            w.WriteUInt32(0xDEADBEEF);
            w.WriteInt64(long.MinValue + 7);
            w.WriteUInt64(ulong.MaxValue - 3);
            w.WriteSingle(-3.25f);
            w.WriteString("Once upon a time — ü");
            w.WriteString(null!);
            w.WriteTokens([1, 403, 511], 0, 3);
        });
        var r = new PayloadReader();
        r.Reset(p, 0, p.Length);
        Assert.Equal(0xAB, r.ReadByte("a"));
        Assert.Equal(0xBEEF, r.ReadUInt16("b"));
        Assert.Equal(-123456789, r.ReadInt32("c"));
        Assert.Equal(0xDEADBEEF, r.ReadUInt32("d"));
        Assert.Equal(long.MinValue + 7, r.ReadInt64("e"));
        Assert.Equal(ulong.MaxValue - 3, r.ReadUInt64("f"));
        Assert.Equal(-3.25f, r.ReadSingle("g"));
        Assert.Equal("Once upon a time — ü", r.ReadString("h"));
        Assert.Equal("", r.ReadString("i"));
        Assert.Equal([1, 403, 511], r.ReadTokenArray("j"));
        r.End();
        Assert.Equal(-3.25f, BitConverter.ToSingle(p, 1 + 2 + 4 + 4 + 8 + 8)); // plain IEEE-754 little-endian on the wire
    }

    [Fact]
    public void Reading_past_the_payload_names_the_field()
    {
        byte[] p = Frames.Payload(w => { w.WriteUInt16(5); w.WriteByte(1); });
        var r = new PayloadReader();
        r.Reset(p, 0, p.Length);
        r.ReadUInt16("steps");
        var e = Assert.Throws<ProtocolException>(() => r.ReadSingle("temperature"));
        Assert.Equal(ErrorCode.BadPayload, e.Code);
        Assert.Contains("temperature", e.Message);

        r.Reset(p, 0, p.Length);
        r.ReadUInt16("steps");
        Assert.Equal(ErrorCode.BadPayload, Assert.Throws<ProtocolException>(() => r.End()).Code);

        byte[] s = Frames.Payload(w => w.WriteUInt16(10)); // a string that says 10 bytes and has none
        r.Reset(s, 0, s.Length);
        Assert.Equal(ErrorCode.BadPayload, Assert.Throws<ProtocolException>(() => r.ReadString("prompt")).Code);
    }

    [Fact]
    public void Writer_refuses_to_overflow_with_reply_too_large()
    {
        var w = new PayloadWriter();
        w.Reset(new byte[64], 16, 8);
        w.WriteInt64(1);
        Assert.Equal(ErrorCode.ReplyTooLarge, Assert.Throws<ProtocolException>(() => w.WriteByte(1)).Code);
        w.Reset(new byte[64], 16, 8);
        Assert.Equal(ErrorCode.ReplyTooLarge, Assert.Throws<ProtocolException>(() => w.WriteString("0123456789")).Code);
    }

    [Fact]
    public void Sealed_frame_has_the_documented_layout()
    {
        byte[] f = Frames.Build(DeviceProtocol.Generate, 0x01020304, [9, 8, 7]);
        Assert.Equal("EDTP"u8.ToArray(), f[..4]);
        Assert.Equal(DeviceProtocol.Version, f[4]);
        Assert.Equal(DeviceProtocol.Generate, f[5]);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(6)));
        Assert.Equal(0x01020304u, BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(8)));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(12)));
        Assert.Equal([9, 8, 7], f[16..19]);
        Assert.Equal(EdgeTiny.Runtime.Format.Crc32.Compute(f, 0, 19), BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(19)));
        Assert.True(FrameCodec.CrcMatches(f, 3));
        f[17] ^= 1;
        Assert.False(FrameCodec.CrcMatches(f, 3));
    }

    [Fact]
    public void Error_reply_cuts_long_messages_to_fit()
    {
        var buf = new byte[DeviceProtocol.OverheadBytes + 512];
        int n = FrameCodec.SealError(buf, new PayloadWriter(), 512, 7, DeviceProtocol.Generate, ErrorCode.Internal, new string('x', 5000));
        Assert.True(n <= buf.Length);
        Assert.True(FrameCodec.CrcMatches(buf, n - DeviceProtocol.OverheadBytes));
    }
}
