using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Runtime.Protocol
{
    /// <summary>Writes and checks frame headers and CRCs in place, in a buffer allocated once.</summary>
    public static class FrameCodec
    {
        /// <summary>
        /// Completes the frame whose payload is already at buffer[16 .. 16+payloadLength): writes the header in front
        /// and the CRC behind. Returns the frame's total length.
        /// </summary>
        public static int Seal(byte[] buffer, int kind, uint requestId, int payloadLength)
        {
            return Seal(buffer, kind, requestId, payloadLength, DeviceProtocol.Version, 0);
        }

        /// <summary>As <see cref="Seal(byte[], int, uint, int)"/>, in protocol <paramref name="version"/> with header flags.</summary>
        public static int Seal(byte[] buffer, int kind, uint requestId, int payloadLength, int version, int flags)
        {
            LittleEndian.WriteInt32(buffer, 0, (int)DeviceProtocol.Magic);
            buffer[4] = (byte)version;
            buffer[5] = (byte)kind;
            buffer[6] = (byte)flags;
            buffer[7] = (byte)(flags >> 8);
            LittleEndian.WriteInt32(buffer, 8, (int)requestId);
            LittleEndian.WriteInt32(buffer, 12, payloadLength);
            int end = DeviceProtocol.HeaderBytes + payloadLength;
            LittleEndian.WriteInt32(buffer, end, (int)Crc32.Compute(buffer, 0, end));
            return end + DeviceProtocol.TrailerBytes;
        }

        /// <summary>Frame bytes for a payload of this length.</summary>
        public static int FrameBytes(int payloadLength)
        {
            return DeviceProtocol.OverheadBytes + payloadLength;
        }

        public static bool HasMagic(byte[] buffer, int offset)
        {
            return LittleEndian.ReadUInt32(buffer, offset) == DeviceProtocol.Magic;
        }

        public static int Version(byte[] frame) { return frame[4]; }
        public static int Kind(byte[] frame) { return frame[5]; }
        public static int Flags(byte[] frame) { return LittleEndian.ReadUInt16(frame, 6); }
        public static uint RequestId(byte[] frame) { return LittleEndian.ReadUInt32(frame, 8); }

        /// <summary>The declared payload length (unsigned; may be anything a sender wrote).</summary>
        public static long PayloadLength(byte[] frame) { return LittleEndian.ReadUInt32(frame, 12); }

        /// <summary>Whether the CRC behind the payload matches the header and payload.</summary>
        public static bool CrcMatches(byte[] frame, int payloadLength)
        {
            int end = DeviceProtocol.HeaderBytes + payloadLength;
            return Crc32.Compute(frame, 0, end) == LittleEndian.ReadUInt32(frame, end);
        }

        /// <summary>Writes an error payload (u16 code | u8 failed kind | u8 0 | string message) and seals the frame.</summary>
        public static int SealError(byte[] buffer, PayloadWriter w, int capacity, uint requestId, int failedKind, int code, string message)
        {
            return SealError(buffer, w, capacity, requestId, failedKind, code, message, DeviceProtocol.Version);
        }

        /// <summary>As the other overload, in protocol <paramref name="version"/> (a device answers in the request's version).</summary>
        public static int SealError(byte[] buffer, PayloadWriter w, int capacity, uint requestId, int failedKind, int code, string message, int version)
        {
            w.Reset(buffer, DeviceProtocol.HeaderBytes, capacity);
            w.WriteUInt16(code);
            w.WriteByte(failedKind);
            w.WriteByte(0);
            // The message is cut to fit: an error reply must always go out.
            int room = (capacity - 6) / 3;
            if (message == null) message = "";
            if (message.Length > room) message = message.Substring(0, room);
            w.WriteString(message);
            return Seal(buffer, DeviceProtocol.Error, requestId, w.Length, version, 0);
        }
    }
}
