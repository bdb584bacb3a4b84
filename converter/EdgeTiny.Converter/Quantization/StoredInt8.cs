using System.Buffers.Binary;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Converter.Quantization;

/// <summary>
/// A source's own int8 values and group scales (llama2.c version 2) written as the runtime's 8-bit group codec without
/// re-quantizing: each row is its groups' float32 scales, then its int8 values — the same numbers, the same products.
/// </summary>
public static class StoredInt8
{
    public static bool Applies(SourceTensor t, int bits, int groupSize) => bits == 8 && t.Int8 is { } q && q.FitsRows(t.Cols, groupSize);

    public static EncodedTensor Encode(SourceTensor t)
    {
        Int8Groups q = t.Int8 ?? throw new ArgumentException($"{t.Name} has no stored int8 values");
        int groups = Codec.GroupsPerRow(t.Cols, q.GroupSize);
        int rowBytes = Codec.RowBytes(Codec.Q, 8, t.Cols, q.GroupSize);
        if (rowBytes != groups * 4 + t.Cols) throw new InvalidOperationException($"unexpected 8-bit row layout: {rowBytes} bytes for {t.Cols} values");
        var payload = new byte[(long)t.Rows * rowBytes];
        for (int r = 0; r < t.Rows; r++)
        {
            Span<byte> row = payload.AsSpan(r * rowBytes, rowBytes);
            for (int g = 0; g < groups; g++) BinaryPrimitives.WriteSingleLittleEndian(row[(g * 4)..], q.Scales[r * groups + g]);
            for (int c = 0; c < t.Cols; c++) row[groups * 4 + c] = (byte)q.Values[r * t.Cols + c];
        }
        return new EncodedTensor(Codec.Q, 8, t.Rows, t.Cols, q.GroupSize, payload);
    }
}
