using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeTiny.Runtime.Simd;

// Unpacking b-bit values (Codec.Q / Codec.SparseQ: LSB-first, two's complement) to exact integers in vector lanes.
//
// 4 bits: a byte holds columns 2i (low nibble) and 2i+1 (high nibble). (b << 4) & 0xF0 and b & 0xF0 put each nibble in
// the top of a byte, and interleaving the two gives 16 signed bytes in column order, each 16·q — sign-extended by the
// ordinary int8 widening. The factor 16 is a power of two, so it is removed exactly (folded into the group scale, or
// an arithmetic shift right by 4 before the conversion to float).
//
// Other widths: 8 values span exactly `bits` bytes, so 8 values starting at a multiple of 8 start on a byte. Lane i
// (value i) takes the two bytes that hold its bits into the top half of a 32-bit lane (one byte shuffle), shifts its
// value up to bit 31 (variable shift, or a multiply by a power of two on the 128-bit path) and shifts it back down
// arithmetically by 32 − bits, which sign-extends it. Exact integers, then an exact int → float conversion.
public sealed unsafe partial class SimdKernels
{
    /// <summary>The signed b-bit value <paramref name="index"/> of a packed stream at p (as PackedValues.Read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ReadPacked(byte* p, int index, int bits)
    {
        int bit = index * bits;
        byte* b = p + (bit >> 3);
        int shift = bit & 7;
        int raw = b[0] >> shift;
        if (shift + bits > 8) raw |= b[1] << (8 - shift);
        raw &= (1 << bits) - 1;
        return (raw & (1 << (bits - 1))) != 0 ? raw - (1 << bits) : raw;
    }

    /// <summary>The 4-bit value of column c of a packed row (as the portable kernel reads it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Nibble(byte* p, int c)
    {
        int b = p[c >> 1];
        int q = (c & 1) == 0 ? b & 0xF : b >> 4;
        return q > 7 ? q - 16 : q;
    }

    /// <summary>16 four-bit values (8 bytes at p) as 16 signed bytes in column order, each 16·q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<sbyte> Nibbles16(byte* p) => NibblesToBytes(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(p)).AsByte());

    /// <summary>8 four-bit values (4 bytes at p) in the low 8 bytes, each 16·q (the upper 8 bytes are not meaningful).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<sbyte> Nibbles8(byte* p) => NibblesToBytes(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<uint>(p)).AsByte());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<sbyte> NibblesToBytes(Vector128<byte> b)
    {
        Vector128<byte> top = Vector128.Create((byte)0xF0);
        Vector128<byte> lo = (b.AsUInt16() << 4).AsByte() & top;
        Vector128<byte> hi = b & top;
        return InterleaveLow(lo, hi).AsSByte();
    }

    /// <summary>a0 b0 a1 b1 … a7 b7 (punpcklbw on x86, zip1 on ARM64).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> InterleaveLow(Vector128<byte> a, Vector128<byte> b)
    {
        if (Sse2.IsSupported) return Sse2.UnpackLow(a, b);
        if (AdvSimd.Arm64.IsSupported) return AdvSimd.Arm64.ZipLow(a, b);
        return Vector128.Shuffle(Vector128.Create(a.GetLower(), b.GetLower()),
            Vector128.Create((byte)0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
    }

    /// <summary>Whether the 128-bit path has a byte table lookup (pshufb / tbl) for widths other than 4 and 8.</summary>
    private static bool HasByteShuffle128 => Ssse3.IsSupported || AdvSimd.Arm64.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> ShuffleBytes(Vector128<byte> table, Vector128<byte> indices)
    {
        if (Ssse3.IsSupported) return Ssse3.Shuffle(table, indices);
        if (AdvSimd.Arm64.IsSupported) return AdvSimd.Arm64.VectorTableLookup(table, indices);
        return Vector128.Shuffle(table, indices);
    }

    /// <summary>Per width (index = bits): for lane i, bytes [−, −, i·bits/8, i·bits/8 + 1] (0x80 = zero).</summary>
    private static readonly Vector256<byte>[] s_unpackShuffle = new Vector256<byte>[9];
    /// <summary>Per width: lane i shifts left by 16 − (i·bits mod 8) − bits (its top bit to bit 31).</summary>
    private static readonly Vector256<uint>[] s_unpackShift = new Vector256<uint>[9];
    /// <summary>Per width: 2^(that shift), the multiply that does the same shift on the 128-bit path.</summary>
    private static readonly Vector256<int>[] s_unpackMultiply = new Vector256<int>[9];

    static SimdKernels()
    {
        for (int bits = 2; bits <= 7; bits++)
        {
            var shuffle = new byte[32];
            var shift = new uint[8];
            var multiply = new int[8];
            for (int i = 0; i < 8; i++)
            {
                int bit = i * bits, o = bit >> 3;
                // The same 8 source bytes sit in both 128-bit halves (broadcast), so lane i's indices are the same in both.
                int at = 4 * i;
                shuffle[at] = 0x80;
                shuffle[at + 1] = 0x80;
                shuffle[at + 2] = (byte)o;
                shuffle[at + 3] = (byte)(o + 1);
                shift[i] = (uint)(16 - (bit & 7) - bits);
                multiply[i] = 1 << (int)shift[i];
            }
            s_unpackShuffle[bits] = Vector256.Create(shuffle);
            s_unpackShift[bits] = Vector256.Create(shift);
            s_unpackMultiply[bits] = Vector256.Create(multiply);
        }
        var compact = new int[256 * 8];
        for (int m = 0; m < 256; m++)
        {
            int k = 0;
            for (int j = 0; j < 8; j++)
                if ((m & (1 << j)) != 0) compact[m * 8 + k++] = j;
        }
        s_compact = compact;
    }

    /// <summary>
    /// Writes the n packed b-bit values at p (a byte-aligned stream) as exact floats to dst[0..n). Reads only bytes
    /// before <paramref name="end"/> (a vector load may read past the n values' own bytes, never past that).
    /// </summary>
    private void UnpackToFloat(byte* p, int bits, int n, float* dst, byte* end)
    {
        int i = 0;
        switch (Level)
        {
            case SimdLevel.Avx2: i = UnpackAvx2(p, bits, n, dst, end); break;
            case SimdLevel.Vector128: i = UnpackV128(p, bits, n, dst, end); break;
        }
        if (bits == 8) for (; i < n; i++) dst[i] = ((sbyte*)p)[i];
        else for (; i < n; i++) dst[i] = ReadPacked(p, i, bits);
    }

    /// <summary>The vector part of <see cref="UnpackToFloat"/>: returns how many values it wrote (a multiple of 8).</summary>
    private static int UnpackAvx2(byte* p, int bits, int n, float* dst, byte* end)
    {
        int i = 0;
        if (bits == 8)
        {
            for (; i + 8 <= n; i += 8) Avx.Store(dst + i, Widen8Avx2((sbyte*)p + i));
        }
        else if (bits == 4)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector128<sbyte> v = Nibbles16(p + (i >> 1));
                Avx.Store(dst + i, Avx.ConvertToVector256Single(Avx2.ShiftRightArithmetic(Avx2.ConvertToVector256Int32(v), 4)));
                Avx.Store(dst + i + 8, Avx.ConvertToVector256Single(Avx2.ShiftRightArithmetic(
                    Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(v, 8)), 4)));
            }
        }
        else
        {
            Vector256<byte> shuffle = s_unpackShuffle[bits];
            Vector256<uint> shift = s_unpackShift[bits];
            int count = 32 - bits;
            // 8 values = `bits` bytes at p + i·bits/8; the 8-byte load must stay before `end`.
            int limit = VectorUnpackLimit(p, bits, n, end);
            for (; i + 8 <= limit; i += 8)
            {
                Vector256<byte> b = Vector256.Create(Unsafe.ReadUnaligned<ulong>(p + i / 8 * bits)).AsByte();
                Vector256<uint> lanes = Avx2.ShiftLeftLogicalVariable(Avx2.Shuffle(b, shuffle).AsUInt32(), shift);
                Avx.Store(dst + i, Avx.ConvertToVector256Single(lanes.AsInt32() >> count));
            }
        }
        return i;
    }

    /// <summary>
    /// Values [0, limit) can be unpacked 8 at a time with an 8-byte load at p + i·bits/8 without reading at or past
    /// <paramref name="end"/> (i.e. i·bits/8 + 8 ≤ end − p).
    /// </summary>
    private static int VectorUnpackLimit(byte* p, int bits, int n, byte* end)
    {
        long avail = end - p;
        return avail < 8 ? 0 : (int)Math.Min(n, (avail - 8) / bits * 8 + 8);
    }

    private static int UnpackV128(byte* p, int bits, int n, float* dst, byte* end)
    {
        int i = 0;
        if (bits == 8)
        {
            for (; i + 8 <= n; i += 8)
            {
                Widen8V128((sbyte*)p + i, out Vector128<float> lo, out Vector128<float> hi);
                Vector128.Store(lo, dst + i);
                Vector128.Store(hi, dst + i + 4);
            }
        }
        else if (bits == 4)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector128<sbyte> v = Nibbles16(p + (i >> 1));
                Vector128<short> s0 = Vector128.WidenLower(v), s1 = Vector128.WidenUpper(v);
                Vector128.Store(Vector128.ConvertToSingle(Vector128.WidenLower(s0) >> 4), dst + i);
                Vector128.Store(Vector128.ConvertToSingle(Vector128.WidenUpper(s0) >> 4), dst + i + 4);
                Vector128.Store(Vector128.ConvertToSingle(Vector128.WidenLower(s1) >> 4), dst + i + 8);
                Vector128.Store(Vector128.ConvertToSingle(Vector128.WidenUpper(s1) >> 4), dst + i + 12);
            }
        }
        else if (HasByteShuffle128)
        {
            // The 256-bit table's halves are lanes 0..3 and 4..7, both indexing the same 8 source bytes.
            Vector128<byte> shuffleLo = s_unpackShuffle[bits].GetLower(), shuffleHi = s_unpackShuffle[bits].GetUpper();
            Vector128<int> mulLo = s_unpackMultiply[bits].GetLower(), mulHi = s_unpackMultiply[bits].GetUpper();
            int count = 32 - bits;
            int limit = VectorUnpackLimit(p, bits, n, end);
            for (; i + 8 <= limit; i += 8)
            {
                Vector128<byte> b = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(p + i / 8 * bits)).AsByte();
                Vector128<int> lo = ShuffleBytes(b, shuffleLo).AsInt32() * mulLo;
                Vector128<int> hi = ShuffleBytes(b, shuffleHi).AsInt32() * mulHi;
                Vector128.Store(Vector128.ConvertToSingle(lo >> count), dst + i);
                Vector128.Store(Vector128.ConvertToSingle(hi >> count), dst + i + 4);
            }
        }
        return i;
    }
}
