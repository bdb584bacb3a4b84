namespace EdgeTiny.Runtime.Format
{
    /// <summary>
    /// Reading the stored forms of <see cref="Codec"/> rows: b-bit values packed LSB-first, and whole rows decoded to
    /// floats. This is the one definition of the layouts; kernels have faster loops for the same bytes and are
    /// tested against it.
    /// </summary>
    public static class PackedValues
    {
        /// <summary>The signed b-bit value number <paramref name="index"/> of a packed stream starting at data[at].</summary>
        public static int Read(byte[] data, int at, int index, int bits)
        {
            int bit = index * bits;
            int b = at + (bit >> 3);
            int shift = bit & 7;
            int raw = data[b] >> shift;
            if (shift + bits > 8) raw |= data[b + 1] << (8 - shift);
            raw &= (1 << bits) - 1;
            return (raw & (1 << (bits - 1))) != 0 ? raw - (1 << bits) : raw;
        }

        /// <summary>Decodes one stored row (as laid out at data[at]) into cols floats at dest[destOff..].</summary>
        public static void DecodeRow(byte[] data, int at, int codec, int param, int cols, int groupSize, float[] dest, int destOff)
        {
            if (codec == Codec.F32)
            {
                for (int c = 0; c < cols; c++) dest[destOff + c] = LittleEndian.ReadSingle(data, at + c * 4);
                return;
            }
            int bits = Codec.Bits(param);
            int groups = Codec.GroupsPerRow(cols, groupSize);
            int values = at + groups * 4;
            if (codec == Codec.Q)
            {
                for (int c = 0; c < cols; c++)
                    dest[destOff + c] = Read(data, values, c, bits) * LittleEndian.ReadSingle(data, at + c / groupSize * 4);
                return;
            }
            // SparseQ: walk the bitmap; kept values follow it in column order.
            int bitmap = values;
            int packed = bitmap + (cols + 7) / 8;
            int k = 0;
            for (int c = 0; c < cols; c++)
            {
                if ((data[bitmap + (c >> 3)] & (1 << (c & 7))) == 0)
                {
                    dest[destOff + c] = 0f;
                    continue;
                }
                dest[destOff + c] = Read(data, packed, k++, bits) * LittleEndian.ReadSingle(data, at + c / groupSize * 4);
            }
        }
    }
}
