using System.Buffers.Binary;
using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Converter.Quantization;

/// <summary>
/// Group-symmetric quantization to b bits (2..8), dense or with a pruning mask, into the runtime's row layouts
/// (<see cref="Codec.Q"/>, <see cref="Codec.SparseQ"/>). Each group of <c>groupSize</c> columns in a row shares one
/// scale = max|w| / (2^(b-1) - 1) over its kept values; q = round(w / scale).
/// </summary>
public static class GroupQuantizer
{
    /// <summary>Dense b-bit encoding.</summary>
    public static EncodedTensor Encode(float[] w, int rows, int cols, int groupSize, int bits)
    {
        CheckBits(bits);
        int groups = Codec.GroupsPerRow(cols, groupSize);
        int rowBytes = Codec.RowBytes(Codec.Q, bits, cols, groupSize);
        var payload = new byte[(long)rows * rowBytes];
        var q = new int[cols];
        for (int r = 0; r < rows; r++)
        {
            Span<byte> row = payload.AsSpan(r * rowBytes, rowBytes);
            ReadOnlySpan<float> values = w.AsSpan(r * cols, cols);
            for (int g = 0; g < groups; g++)
            {
                int start = g * groupSize, end = Math.Min(cols, start + groupSize);
                float scale = Scale(values[start..end], null, bits);
                BinaryPrimitives.WriteSingleLittleEndian(row[(g * 4)..], scale);
                for (int c = start; c < end; c++) q[c] = Level(values[c], scale, bits);
            }
            Pack(q, cols, bits, row[(groups * 4)..]);
        }
        return new EncodedTensor(Codec.Q, bits, rows, cols, groupSize, payload);
    }

    /// <summary>
    /// b-bit encoding of the weights a mask keeps. Every row must keep the same number of weights (Wanda's per-row
    /// pruning guarantees it), so rows have one size and stream like dense ones.
    /// </summary>
    public static EncodedTensor EncodeSparse(float[] w, bool[] keep, int rows, int cols, int groupSize, int bits)
    {
        CheckBits(bits);
        int kept = keep.AsSpan(0, cols).Count(true);
        int groups = Codec.GroupsPerRow(cols, groupSize);
        int param = Codec.SparseParam(bits, kept);
        int rowBytes = Codec.RowBytes(Codec.SparseQ, param, cols, groupSize);
        int bitmapBytes = (cols + 7) / 8;
        var payload = new byte[(long)rows * rowBytes];
        var q = new int[kept];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<bool> mask = keep.AsSpan(r * cols, cols);
            if (mask.Count(true) != kept) throw new ArgumentException($"row {r} keeps {mask.Count(true)} weights, row 0 keeps {kept}", nameof(keep));
            Span<byte> row = payload.AsSpan(r * rowBytes, rowBytes);
            ReadOnlySpan<float> values = w.AsSpan(r * cols, cols);
            int k = 0;
            for (int g = 0; g < groups; g++)
            {
                int start = g * groupSize, end = Math.Min(cols, start + groupSize);
                float scale = Scale(values[start..end], mask[start..end], bits);
                BinaryPrimitives.WriteSingleLittleEndian(row[(g * 4)..], scale);
                for (int c = start; c < end; c++)
                {
                    if (!mask[c]) continue;
                    row[groups * 4 + (c >> 3)] |= (byte)(1 << (c & 7));
                    q[k++] = Level(values[c], scale, bits);
                }
            }
            Pack(q, kept, bits, row[(groups * 4 + bitmapBytes)..]);
        }
        return new EncodedTensor(Codec.SparseQ, param, rows, cols, groupSize, payload);
    }

    private static float Scale(ReadOnlySpan<float> values, ReadOnlySpan<bool> mask, int bits)
    {
        float max = 0f;
        for (int i = 0; i < values.Length; i++)
            if (mask.IsEmpty || mask[i]) max = Math.Max(max, Math.Abs(values[i]));
        return max / Codec.MaxLevel(bits);
    }

    private static int Level(float v, float scale, int bits)
    {
        if (scale == 0f) return 0;
        int m = Codec.MaxLevel(bits);
        return (int)Math.Clamp(MathF.Round(v / scale), -m, m);
    }

    /// <summary>Packs n signed b-bit values LSB-first into dest (which must start zeroed).</summary>
    private static void Pack(int[] q, int n, int bits, Span<byte> dest)
    {
        int mask = (1 << bits) - 1;
        for (int i = 0; i < n; i++)
        {
            int bit = i * bits, b = bit >> 3, shift = bit & 7;
            int v = q[i] & mask;
            dest[b] |= (byte)(v << shift);
            if (shift + bits > 8) dest[b + 1] |= (byte)(v >> (8 - shift));
        }
    }

    private static void CheckBits(int bits)
    {
        if (bits < Codec.MinBits || bits > Codec.MaxBits) throw new ArgumentOutOfRangeException(nameof(bits), $"{bits} bits is outside {Codec.MinBits}..{Codec.MaxBits}");
    }
}
