using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Converter.Quantization;

/// <summary>A tensor in its stored form: codec, codec parameter, group size and the exact section bytes.</summary>
public sealed record EncodedTensor(int Codec, int Param, int Rows, int Cols, int GroupSize, byte[] Payload)
{
    public string Describe() => EdgeTiny.Runtime.Format.Codec.Describe(Codec, Param, Cols);

    /// <summary>The float values the runtime will compute with.</summary>
    public float[] Decode()
    {
        var w = new float[Rows * Cols];
        int rowBytes = EdgeTiny.Runtime.Format.Codec.RowBytes(Codec, Param, Cols, GroupSize);
        var row = new float[Cols];
        for (int r = 0; r < Rows; r++)
        {
            PackedValues.DecodeRow(Payload, r * rowBytes, Codec, Param, Cols, GroupSize, row, 0);
            row.CopyTo(w, r * Cols);
        }
        return w;
    }

    public static EncodedTensor F32(float[] data, int rows, int cols)
    {
        var payload = new byte[data.Length * 4];
        Buffer.BlockCopy(data, 0, payload, 0, payload.Length);
        return new EncodedTensor(EdgeTiny.Runtime.Format.Codec.F32, 0, rows, cols, 0, payload);
    }
}
