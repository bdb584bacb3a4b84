using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Runtime.Protocol
{
    /// <summary>
    /// IEEE-754 binary32 bit patterns without allocating: nanoFramework has no SingleToInt32Bits, and
    /// BitConverter.GetBytes(float) allocates an array per value. The float is widened to double (exact) and the
    /// double's bits, which nanoFramework does give (DoubleToInt64Bits), are narrowed back field by field.
    /// </summary>
    public static class FloatBits
    {
        public static int ToBits(float value)
        {
            long d = System.BitConverter.DoubleToInt64Bits(value);
            int sign = (int)((d >> 32) & unchecked((int)0x80000000));
            int exp = (int)((d >> 52) & 0x7FF);
            long mant = d & 0xFFFFFFFFFFFFFL;
            if (exp == 0x7FF) // infinity or NaN (keep NaN a quiet NaN with its top payload bits)
                return sign | 0x7F800000 | (mant == 0 ? 0 : 0x400000 | (int)(mant >> 29));
            if (exp == 0) return sign; // ±0 (a widened float is never a double subnormal)
            int e = exp - 1023 + 127;
            if (e >= 1) return sign | (e << 23) | (int)(mant >> 29);
            // float subnormal: implicit bit back in, shifted right by the missing exponent
            long full = mant | 0x10000000000000L;
            int shift = 29 + 1 - e;
            return shift >= 64 ? sign : sign | (int)(full >> shift);
        }

        /// <summary>The float with these bits (allocates 4 bytes; payload readers convert in place instead).</summary>
        public static float FromBits(int bits)
        {
            byte[] b = new byte[4];
            LittleEndian.WriteInt32(b, 0, bits);
            return System.BitConverter.ToSingle(b, 0);
        }
    }
}
