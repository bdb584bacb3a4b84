using System.Buffers.Binary;

namespace EdgeTiny.Converter.Import.Gguf;

/// <summary>The ggml tensor types this reader decodes (numbers as in ggml.h's enum ggml_type).</summary>
public enum GgmlType : uint
{
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q4_K = 12, Q5_K = 13, Q6_K = 14, BF16 = 30,
}

/// <summary>
/// Block sizes and dequantization of ggml's tensor types, as ggml defines them (ggml-common.h block layouts,
/// ggml-quants.c dequantize_row_*). Each block stores its scale(s) as IEEE half floats; values are
/// <c>d * q</c> (symmetric types) or <c>d * q + m</c> / <c>d * q - m</c> (types with a minimum). The k-quants group
/// 256 values into a super-block with 8 or 16 sub-blocks whose 6- or 8-bit scales are themselves scaled by d.
/// The tests compare every type bit for bit with ggml's own dequantize_row_* on blocks made by ggml's quantizers.
/// </summary>
public static class GgmlTypes
{
    private const int QK = 32, QKK = 256;

    public static bool IsKnown(uint t) => Enum.IsDefined(typeof(GgmlType), t);

    /// <summary>ggml's name for a type number (for error messages), "type N" when it is not one we know.</summary>
    public static string NameOf(uint t) => t switch
    {
        9 => "Q8_1", 10 => "Q2_K", 11 => "Q3_K", 15 => "Q8_K", >= 16 and <= 23 => "an IQ type", 24 => "I8", 25 => "I16", 26 => "I32",
        27 => "I64", 28 => "F64", 29 => "IQ1_M", 34 => "TQ1_0", 35 => "TQ2_0",
        _ => IsKnown(t) ? ((GgmlType)t).ToString() : $"type {t}",
    };

    /// <summary>Values per block.</summary>
    public static int BlockSize(GgmlType t) => t switch
    {
        GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 => 1,
        GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K => QKK,
        _ => QK,
    };

    /// <summary>Bytes per block.</summary>
    public static int BlockBytes(GgmlType t) => t switch
    {
        GgmlType.F32 => 4,
        GgmlType.F16 or GgmlType.BF16 => 2,
        GgmlType.Q8_0 => 2 + QK,
        GgmlType.Q4_0 => 2 + QK / 2,
        GgmlType.Q4_1 => 4 + QK / 2,
        GgmlType.Q5_0 => 2 + 4 + QK / 2,
        GgmlType.Q5_1 => 4 + 4 + QK / 2,
        GgmlType.Q4_K => 4 + 12 + QKK / 2,
        GgmlType.Q5_K => 4 + 12 + QKK / 8 + QKK / 2,
        GgmlType.Q6_K => QKK / 2 + QKK / 4 + QKK / 16 + 2,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static long ByteSize(GgmlType t, long elements) => elements / BlockSize(t) * BlockBytes(t);

    /// <summary>Dequantizes <paramref name="src"/> (whole blocks) into <paramref name="dst"/>.</summary>
    public static void Dequantize(GgmlType t, ReadOnlySpan<byte> src, Span<float> dst)
    {
        int bs = BlockSize(t), bb = BlockBytes(t);
        if (dst.Length % bs != 0 || src.Length != (long)dst.Length / bs * bb)
            throw new ArgumentException($"{t}: {src.Length} bytes do not hold {dst.Length} values");
        int blocks = dst.Length / bs;
        for (int b = 0; b < blocks; b++)
        {
            ReadOnlySpan<byte> x = src.Slice(b * bb, bb);
            Span<float> y = dst.Slice(b * bs, bs);
            switch (t)
            {
                case GgmlType.F32: y[0] = BinaryPrimitives.ReadSingleLittleEndian(x); break;
                case GgmlType.F16: y[0] = Half(x, 0); break;
                case GgmlType.BF16: y[0] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(x) << 16); break;
                case GgmlType.Q8_0: Q8_0(x, y); break;
                case GgmlType.Q4_0: Q4_0(x, y); break;
                case GgmlType.Q4_1: Q4_1(x, y); break;
                case GgmlType.Q5_0: Q5_0(x, y); break;
                case GgmlType.Q5_1: Q5_1(x, y); break;
                case GgmlType.Q4_K: Q4_K(x, y); break;
                case GgmlType.Q5_K: Q5_K(x, y); break;
                case GgmlType.Q6_K: Q6_K(x, y); break;
            }
        }
    }

    private static float Half(ReadOnlySpan<byte> x, int at) => (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(x[at..]));

    // block_q8_0: half d; int8 qs[32].
    private static void Q8_0(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = Half(x, 0);
        for (int j = 0; j < QK; j++) y[j] = (sbyte)x[2 + j] * d;
    }

    // block_q4_0: half d; u8 qs[16] — low nibbles are values 0..15, high nibbles 16..31, offset by 8.
    private static void Q4_0(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = Half(x, 0);
        for (int j = 0; j < QK / 2; j++)
        {
            y[j] = ((x[2 + j] & 0x0F) - 8) * d;
            y[j + QK / 2] = ((x[2 + j] >> 4) - 8) * d;
        }
    }

    // block_q4_1: half d, half m; u8 qs[16] — unsigned nibbles, value = q * d + m.
    private static void Q4_1(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = Half(x, 0), m = Half(x, 2);
        for (int j = 0; j < QK / 2; j++)
        {
            y[j] = (x[4 + j] & 0x0F) * d + m;
            y[j + QK / 2] = (x[4 + j] >> 4) * d + m;
        }
    }

    // block_q5_0: half d; u32 qh (fifth bit of each value); u8 qs[16]; offset by 16.
    private static void Q5_0(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = Half(x, 0);
        uint qh = BinaryPrimitives.ReadUInt32LittleEndian(x[2..]);
        for (int j = 0; j < QK / 2; j++)
        {
            int h0 = (int)((qh >> j) << 4) & 0x10;
            int h1 = (int)(qh >> (j + 12)) & 0x10;
            y[j] = (((x[6 + j] & 0x0F) | h0) - 16) * d;
            y[j + QK / 2] = (((x[6 + j] >> 4) | h1) - 16) * d;
        }
    }

    // block_q5_1: half d, half m; u32 qh; u8 qs[16]; value = q * d + m.
    private static void Q5_1(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = Half(x, 0), m = Half(x, 2);
        uint qh = BinaryPrimitives.ReadUInt32LittleEndian(x[4..]);
        for (int j = 0; j < QK / 2; j++)
        {
            int h0 = (int)((qh >> j) << 4) & 0x10;
            int h1 = (int)(qh >> (j + 12)) & 0x10;
            y[j] = ((x[8 + j] & 0x0F) | h0) * d + m;
            y[j + QK / 2] = ((x[8 + j] >> 4) | h1) * d + m;
        }
    }

    /// <summary>The 6-bit scale and min of sub-block j of a Q4_K/Q5_K super-block (12 packed bytes for 8 pairs).</summary>
    private static (int Scale, int Min) ScaleMin(int j, ReadOnlySpan<byte> q)
    {
        if (j < 4) return (q[j] & 63, q[j + 4] & 63);
        return ((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }

    // block_q4_K: half d, half dmin; u8 scales[12]; u8 qs[128]. 8 sub-blocks of 32: value = d*sc*q - dmin*m.
    private static void Q4_K(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = Half(x, 0), dmin = Half(x, 2);
        ReadOnlySpan<byte> scales = x.Slice(4, 12), qs = x.Slice(16, QKK / 2);
        int at = 0, q = 0;
        for (int sub = 0; sub < 8; sub += 2)
        {
            var (sc1, m1) = ScaleMin(sub, scales);
            var (sc2, m2) = ScaleMin(sub + 1, scales);
            float d1 = d * sc1, min1 = dmin * m1, d2 = d * sc2, min2 = dmin * m2;
            for (int l = 0; l < 32; l++) y[at + l] = d1 * (qs[q + l] & 0x0F) - min1;
            for (int l = 0; l < 32; l++) y[at + 32 + l] = d2 * (qs[q + l] >> 4) - min2;
            at += 64;
            q += 32;
        }
    }

    // block_q5_K: half d, half dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]; like Q4_K with a fifth bit from qh.
    private static void Q5_K(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = Half(x, 0), dmin = Half(x, 2);
        ReadOnlySpan<byte> scales = x.Slice(4, 12), qh = x.Slice(16, QKK / 8), ql = x.Slice(16 + QKK / 8, QKK / 2);
        int at = 0, q = 0, u1 = 1, u2 = 2;
        for (int sub = 0; sub < 8; sub += 2)
        {
            var (sc1, m1) = ScaleMin(sub, scales);
            var (sc2, m2) = ScaleMin(sub + 1, scales);
            float d1 = d * sc1, min1 = dmin * m1, d2 = d * sc2, min2 = dmin * m2;
            for (int l = 0; l < 32; l++) y[at + l] = d1 * ((ql[q + l] & 0x0F) + ((qh[l] & u1) != 0 ? 16 : 0)) - min1;
            for (int l = 0; l < 32; l++) y[at + 32 + l] = d2 * ((ql[q + l] >> 4) + ((qh[l] & u2) != 0 ? 16 : 0)) - min2;
            at += 64;
            q += 32;
            u1 <<= 2;
            u2 <<= 2;
        }
    }

    // block_q6_K: u8 ql[128] (low 4 bits), u8 qh[64] (high 2 bits), int8 scales[16], half d; value = d*scale*(q-32).
    private static void Q6_K(ReadOnlySpan<byte> x, Span<float> y)
    {
        ReadOnlySpan<byte> ql = x[..(QKK / 2)], qh = x.Slice(QKK / 2, QKK / 4), sc = x.Slice(QKK / 2 + QKK / 4, QKK / 16);
        float d = Half(x, QKK / 2 + QKK / 4 + QKK / 16);
        for (int half = 0; half < 2; half++)
        {
            int yo = half * 128, lo = half * 64, ho = half * 32, so = half * 8;
            for (int l = 0; l < 32; l++)
            {
                int s = so + l / 16;
                int q1 = ((ql[lo + l] & 0x0F) | ((qh[ho + l] >> 0) & 3) << 4) - 32;
                int q2 = ((ql[lo + l + 32] & 0x0F) | ((qh[ho + l] >> 2) & 3) << 4) - 32;
                int q3 = ((ql[lo + l] >> 4) | ((qh[ho + l] >> 4) & 3) << 4) - 32;
                int q4 = ((ql[lo + l + 32] >> 4) | ((qh[ho + l] >> 6) & 3) << 4) - 32;
                y[yo + l] = d * (sbyte)sc[s] * q1;
                y[yo + l + 32] = d * (sbyte)sc[s + 2] * q2;
                y[yo + l + 64] = d * (sbyte)sc[s + 4] * q3;
                y[yo + l + 96] = d * (sbyte)sc[s + 6] * q4;
            }
        }
    }
}
