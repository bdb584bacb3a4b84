using System.Runtime.InteropServices;
using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Converter.Quantization;

/// <summary>
/// Group-symmetric int8 quantization along rows: each group of <c>groupSize</c> consecutive values in a row shares
/// one float scale = max|w| / 127, and q = round(w / scale) in [-127, 127]. The payload is the int8 values
/// (row-major) followed by the float32 scales, as <see cref="Codec.Q8"/> describes.
/// </summary>
public static class GroupQ8
{
    public static byte[] Encode(float[] w, int rows, int cols, int groupSize)
    {
        int groups = Codec.GroupsPerRow(cols, groupSize);
        var q = new sbyte[(long)rows * cols];
        var scales = new float[rows * groups];
        for (int r = 0; r < rows; r++)
        {
            for (int g = 0; g < groups; g++)
            {
                int start = r * cols + g * groupSize;
                int end = r * cols + Math.Min(cols, (g + 1) * groupSize);
                float max = 0f;
                for (int i = start; i < end; i++) max = Math.Max(max, Math.Abs(w[i]));
                float scale = max / 127f;
                scales[r * groups + g] = scale;
                float inv = scale == 0f ? 0f : 1f / scale;
                for (int i = start; i < end; i++) q[i] = (sbyte)Math.Clamp(MathF.Round(w[i] * inv), -127f, 127f);
            }
        }
        byte[] payload = new byte[Codec.PayloadBytes(Codec.Q8, rows, cols, groupSize)];
        MemoryMarshal.AsBytes(q.AsSpan()).CopyTo(payload);
        MemoryMarshal.AsBytes(scales.AsSpan()).CopyTo(payload.AsSpan(q.Length));
        return payload;
    }

    /// <summary>The float values a q8 payload stands for (what the runtime computes with).</summary>
    public static float[] Decode(byte[] payload, int rows, int cols, int groupSize)
    {
        int groups = Codec.GroupsPerRow(cols, groupSize);
        int n = rows * cols;
        ReadOnlySpan<sbyte> q = MemoryMarshal.Cast<byte, sbyte>(payload.AsSpan(0, n));
        ReadOnlySpan<float> scales = MemoryMarshal.Cast<byte, float>(payload.AsSpan(n, rows * groups * 4));
        var w = new float[n];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                w[r * cols + c] = q[r * cols + c] * scales[r * groups + c / groupSize];
        return w;
    }
}
