namespace EdgeTiny.Runtime.Format
{
    /// <summary>CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) — the same value zlib and PNG compute.</summary>
    public static class Crc32
    {
        private static uint[] s_table;

        private static uint[] Table()
        {
            if (s_table != null) return s_table;
            uint[] table = new uint[256];
            for (uint i = 0; i < 256; i++)
            {
                uint c = i;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                table[i] = c;
            }
            s_table = table;
            return table;
        }

        /// <summary>Starting state; feed bytes with <see cref="Update"/>, finish with <see cref="Finish"/>.</summary>
        public const uint Initial = 0xFFFFFFFFu;

        public static uint Update(uint state, byte[] data, int offset, int count)
        {
            uint[] table = Table();
            int end = offset + count;
            for (int i = offset; i < end; i++) state = table[(state ^ data[i]) & 0xFF] ^ (state >> 8);
            return state;
        }

        public static uint Finish(uint state)
        {
            return state ^ 0xFFFFFFFFu;
        }

        public static uint Compute(byte[] data, int offset, int count)
        {
            return Finish(Update(Initial, data, offset, count));
        }
    }
}
