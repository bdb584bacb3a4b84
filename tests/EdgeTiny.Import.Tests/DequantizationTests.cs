using EdgeTiny.Converter.Import.Gguf;
using EdgeTiny.LlamaCpp;

namespace EdgeTiny.Import.Tests;

/// <summary>
/// Every ggml type we read, decoded bit for bit as ggml decodes it: blocks made by ggml's own reference quantizers
/// (quantize_row_*_ref in llama.cpp's libggml-base) from seeded random rows with outliers and zeros, then our
/// <see cref="GgmlTypes.Dequantize"/> against ggml's dequantize_row_*.
/// </summary>
public sealed unsafe class DequantizationTests
{
    private delegate void Quantize(float* x, void* y, long k);
    private delegate void Dequant(void* x, float* y, long k);

    public static IEnumerable<object[]> QuantizedTypes =>
        new[] { GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K }.Select(t => new object[] { t });

    [Theory]
    [MemberData(nameof(QuantizedTypes))]
    public void Blocks_quantized_by_ggml_decode_bit_for_bit_as_ggml_decodes_them(GgmlType type)
    {
        (Quantize q, Dequant d) = type switch
        {
            GgmlType.Q8_0 => ((Quantize)GgmlNative.quantize_row_q8_0_ref, (Dequant)GgmlNative.dequantize_row_q8_0),
            GgmlType.Q4_0 => (GgmlNative.quantize_row_q4_0_ref, GgmlNative.dequantize_row_q4_0),
            GgmlType.Q4_1 => (GgmlNative.quantize_row_q4_1_ref, GgmlNative.dequantize_row_q4_1),
            GgmlType.Q5_0 => (GgmlNative.quantize_row_q5_0_ref, GgmlNative.dequantize_row_q5_0),
            GgmlType.Q5_1 => (GgmlNative.quantize_row_q5_1_ref, GgmlNative.dequantize_row_q5_1),
            GgmlType.Q4_K => (GgmlNative.quantize_row_q4_K_ref, GgmlNative.dequantize_row_q4_K),
            GgmlType.Q5_K => (GgmlNative.quantize_row_q5_K_ref, GgmlNative.dequantize_row_q5_K),
            GgmlType.Q6_K => (GgmlNative.quantize_row_q6_K_ref, GgmlNative.dequantize_row_q6_K),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
        const int n = 256 * 16;
        float[] x = RandomRow(n, seed: (int)type);
        var blocks = new byte[GgmlTypes.ByteSize(type, n)];
        var theirs = new float[n];
        var ours = new float[n];
        fixed (float* px = x) fixed (byte* pb = blocks) fixed (float* pt = theirs)
        {
            q(px, pb, n);
            d(pb, pt, n);
        }
        GgmlTypes.Dequantize(type, blocks, ours);
        for (int i = 0; i < n; i++)
            Assert.True(BitConverter.SingleToInt32Bits(ours[i]) == BitConverter.SingleToInt32Bits(theirs[i]),
                $"{type} value {i}: ours {ours[i]:R}, ggml {theirs[i]:R}");
        // And the decoding is a quantization of the input, not something arbitrary that happens to agree.
        double err = x.Zip(ours, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(err < 0.5, $"{type}: largest error {err} against the quantized input");
    }

    [Fact]
    public void Half_floats_decode_as_ggml_decodes_them_and_bf16_is_the_top_half_of_a_float()
    {
        ushort[] halves = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        var theirs = new float[halves.Length];
        var ours = new float[halves.Length];
        fixed (ushort* h = halves) fixed (float* t = theirs) GgmlNative.ggml_fp16_to_fp32_row(h, t, halves.Length);
        GgmlTypes.Dequantize(GgmlType.F16, System.Runtime.InteropServices.MemoryMarshal.AsBytes(halves.AsSpan()), ours);
        for (int i = 0; i < halves.Length; i++)
            if (!float.IsNaN(theirs[i])) Assert.Equal(BitConverter.SingleToInt32Bits(theirs[i]), BitConverter.SingleToInt32Bits(ours[i]));
            else Assert.True(float.IsNaN(ours[i]));

        float[] x = RandomRow(64, 7);
        var bf = x.Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).ToArray();
        var back = new float[x.Length];
        GgmlTypes.Dequantize(GgmlType.BF16, System.Runtime.InteropServices.MemoryMarshal.AsBytes(bf.AsSpan()), back);
        for (int i = 0; i < x.Length; i++) Assert.Equal(BitConverter.SingleToUInt32Bits(x[i]) & 0xFFFF0000u, BitConverter.SingleToUInt32Bits(back[i]));
    }

    /// <summary>Mostly normal values, some exact zeros and a few large outliers (what stresses scale choice).</summary>
    private static float[] RandomRow(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(i => i % 97 == 0 ? 0f : i % 131 == 0 ? (float)(rng.NextDouble() * 8 - 4)
            : (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()) * 0.3)).ToArray();
    }
}
