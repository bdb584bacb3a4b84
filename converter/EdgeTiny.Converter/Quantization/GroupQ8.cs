using System.Buffers.Binary;
using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Converter.Quantization;

/// <summary>
/// Group-symmetric int8 quantization along rows: each group of <c>groupSize</c> consecutive values in a row shares
/// one float scale = max|w| / 127, and q = round(w / scale) in [-127, 127]. The payload stores each row as its
/// float32 scales followed by its int8 values (<see cref="Codec.Q8"/>), so one read fetches whole rows.
/// </summary>
public static class GroupQ8
{
    public static byte[] Encode(float[] w, int rows, int cols, int groupSize)
    {
        int groups = Codec.GroupsPerRow(cols, groupSize);
        int rowBytes = Codec.RowBytes(Codec.Q8, cols, groupSize);
        byte[] payload = new byte[Codec.PayloadBytes(Codec.Q8, rows, cols, groupSize)];
        for (int r = 0; r < rows; r++)
        {
            Span<byte> row = payload.AsSpan(r * rowBytes, rowBytes);
            for (int g = 0; g < groups; g++)
            {
                int start = g * groupSize, end = Math.Min(cols, start + groupSize);
                ReadOnlySpan<float> values = w.AsSpan(r * cols + start, end - start);
                float max = 0f;
                foreach (float v in values) max = Math.Max(max, Math.Abs(v));
                float scale = max / 127f;
                BinaryPrimitives.WriteSingleLittleEndian(row[(g * 4)..], scale);
                float inv = scale == 0f ? 0f : 1f / scale;
                for (int i = 0; i < values.Length; i++)
                    row[groups * 4 + start + i] = (byte)(sbyte)Math.Clamp(MathF.Round(values[i] * inv), -127f, 127f);
            }
        }
        return payload;
    }

    /// <summary>The float values a q8 payload stands for (what the runtime computes with).</summary>
    public static float[] Decode(byte[] payload, int rows, int cols, int groupSize)
    {
        int groups = Codec.GroupsPerRow(cols, groupSize);
        int rowBytes = Codec.RowBytes(Codec.Q8, cols, groupSize);
        var w = new float[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<byte> row = payload.AsSpan(r * rowBytes, rowBytes);
            for (int c = 0; c < cols; c++)
                w[r * cols + c] = (sbyte)row[groups * 4 + c] * BinaryPrimitives.ReadSingleLittleEndian(row[(c / groupSize * 4)..]);
        }
        return w;
    }
}
