#nullable disable
using EdgeTiny.Runtime.Protocol;
using nanoFramework.TestFramework;

namespace EdgeTiny.Device.Tests
{
    /// <summary>The device protocol's frames on the device itself: encode, read back, and the malformed cases.</summary>
    [TestClass]
    public class ProtocolTests
    {
        /// <summary>Reads a fixed byte array, then reports the link closed; writes are kept.</summary>
        private sealed class BufferLink : IDeviceLink
        {
            private readonly byte[] _data;
            private int _pos;

            public BufferLink(byte[] data)
            {
                _data = data;
            }

            public int Read(byte[] buffer, int offset, int count)
            {
                if (_pos >= _data.Length) return LinkRead.Closed;
                int n = _data.Length - _pos < count ? _data.Length - _pos : count;
                System.Array.Copy(_data, _pos, buffer, offset, n);
                _pos += n;
                return n;
            }

            public void Write(byte[] buffer, int offset, int count)
            {
            }
        }

        private static byte[] Frame(int kind, uint id, byte[] payload)
        {
            byte[] f = new byte[DeviceProtocol.OverheadBytes + payload.Length];
            System.Array.Copy(payload, 0, f, DeviceProtocol.HeaderBytes, payload.Length);
            FrameCodec.Seal(f, kind, id, payload.Length);
            return f;
        }

        private static byte[] Concat(byte[] a, byte[] b)
        {
            byte[] c = new byte[a.Length + b.Length];
            System.Array.Copy(a, c, a.Length);
            System.Array.Copy(b, 0, c, a.Length, b.Length);
            return c;
        }

        private static FrameReader Reader(byte[] bytes)
        {
            FrameReader r = new FrameReader(DeviceProtocol.MinMaxPayload);
            r.Attach(new BufferLink(bytes));
            return r;
        }

        [TestMethod]
        public void Frame_round_trip_keeps_kind_id_and_payload()
        {
            FrameReader r = Reader(Frame(DeviceProtocol.Stats, 1234567, new byte[] { 1, 2, 3 }));
            Assert.AreEqual(FrameReader.Frame, r.Next());
            Assert.AreEqual(DeviceProtocol.Stats, r.Kind);
            Assert.AreEqual(1234567u, r.RequestId);
            Assert.AreEqual(3, r.PayloadLength);
            Assert.AreEqual((byte)3, r.Buffer[DeviceProtocol.HeaderBytes + 2]);
            Assert.AreEqual(FrameReader.Closed, r.Next());
        }

        [TestMethod]
        public void Bad_crc_then_good_frame()
        {
            byte[] bad = Frame(DeviceProtocol.Hello, 7, new byte[] { 9 });
            bad[DeviceProtocol.HeaderBytes] = 8;
            FrameReader r = Reader(Concat(bad, Frame(DeviceProtocol.Hello, 8, new byte[0])));
            Assert.AreEqual(FrameReader.Malformed, r.Next());
            Assert.AreEqual(ErrorCode.BadCrc, r.Error);
            Assert.AreEqual(FrameReader.Frame, r.Next());
            Assert.AreEqual(8u, r.RequestId);
        }

        [TestMethod]
        public void Garbage_is_skipped_to_the_next_magic()
        {
            FrameReader r = Reader(Concat(new byte[] { 0x41, 0x54, 0x0D, 0x0A, 0x45 }, Frame(DeviceProtocol.Hello, 9, new byte[0])));
            Assert.AreEqual(FrameReader.Malformed, r.Next());
            Assert.AreEqual(ErrorCode.BadMagic, r.Error);
            Assert.AreEqual(FrameReader.Frame, r.Next());
            Assert.AreEqual(9u, r.RequestId);
        }

        [TestMethod]
        public void Oversized_length_is_refused()
        {
            byte[] f = Frame(DeviceProtocol.Generate, 10, new byte[0]);
            f[14] = 0x10; // payload length 0x00100000 > max payload
            FrameReader r = Reader(f);
            Assert.AreEqual(FrameReader.Malformed, r.Next());
            Assert.AreEqual(ErrorCode.TooLarge, r.Error);
        }

        [TestMethod]
        public void Payload_values_and_floats_round_trip()
        {
            byte[] buf = new byte[64];
            PayloadWriter w = new PayloadWriter();
            w.Reset(buf, 0, buf.Length);
            w.WriteUInt16(48);
            w.WriteSingle(-0.15625f);
            w.WriteSingle(3.4028235e38f);
            w.WriteUInt64(0x0102030405060708UL);
            w.WriteString("Lily");
            PayloadReader r = new PayloadReader();
            r.Reset(buf, 0, w.Length);
            Assert.AreEqual(48, r.ReadUInt16("steps"));
            Assert.AreEqual(-0.15625f, r.ReadSingle("a"));
            Assert.AreEqual(3.4028235e38f, r.ReadSingle("b"));
            Assert.AreEqual(0x0102030405060708UL, r.ReadUInt64("seed"));
            Assert.AreEqual("Lily", r.ReadString("text"));
            r.End();
            Assert.AreEqual(unchecked((int)0xBE200000), FloatBits.ToBits(-0.15625f));
        }

        [TestMethod]
        public void Reading_past_the_end_throws_a_protocol_error()
        {
            PayloadReader r = new PayloadReader();
            r.Reset(new byte[2], 0, 2);
            Assert.ThrowsException(typeof(ProtocolException), () => r.ReadInt32("field"));
        }
    }
}
