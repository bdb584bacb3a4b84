namespace EdgeTiny.Runtime.Format
{
    /// <summary>Reads and writes little-endian numbers in byte arrays without BitConverter's one-native-call-per-value cost (and, for writes, its array per value).</summary>
    public static class LittleEndian
    {
        public static void WriteInt32(byte[] b, int offset, int value)
        {
            b[offset] = (byte)value;
            b[offset + 1] = (byte)(value >> 8);
            b[offset + 2] = (byte)(value >> 16);
            b[offset + 3] = (byte)(value >> 24);
        }

        public static int ReadInt32(byte[] b, int offset)
        {
            return b[offset] | (b[offset + 1] << 8) | (b[offset + 2] << 16) | (b[offset + 3] << 24);
        }

        public static uint ReadUInt32(byte[] b, int offset)
        {
            return (uint)ReadInt32(b, offset);
        }

        public static int ReadUInt16(byte[] b, int offset)
        {
            return b[offset] | (b[offset + 1] << 8);
        }

        public static long ReadInt64(byte[] b, int offset)
        {
            return (long)ReadUInt32(b, offset) | ((long)ReadUInt32(b, offset + 4) << 32);
        }

        /// <summary>float32 from 4 little-endian bytes (every supported board is little-endian).</summary>
        public static float ReadSingle(byte[] b, int offset)
        {
            return System.BitConverter.ToSingle(b, offset);
        }
    }
}
