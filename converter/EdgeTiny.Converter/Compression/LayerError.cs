using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Quantization;
using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Converter.Compression;

/// <summary>
/// How much compressing a matrix changes its own output on the calibration inputs, without running them:
/// Σ_r Σ_j ‖x_j‖² (w_rj − w'_rj)², the diagonal part of ‖X (W − W')ᵀ‖² (the cross terms between input columns
/// dropped, as Wanda's importance and OBS's diagonal approximation drop them). ‖x_j‖ are the input norms the sweep
/// already has; without them (a lookup table) every column weighs 1. One pass over the weights per candidate.
/// </summary>
public static class LayerError
{
    /// <summary>The error of <paramref name="compressed"/>, decoded a row at a time (no full-size copy).</summary>
    public static double Of(SourceTensor t, EncodedTensor compressed, float[]? inputNorms)
    {
        int rowBytes = Codec.RowBytes(compressed.Codec, compressed.Param, t.Cols, compressed.GroupSize);
        var row = new float[t.Cols];
        double sum = 0;
        for (int r = 0; r < t.Rows; r++)
        {
            PackedValues.DecodeRow(compressed.Payload, r * rowBytes, compressed.Codec, compressed.Param, t.Cols, compressed.GroupSize, row, 0);
            int at = r * t.Cols;
            for (int j = 0; j < t.Cols; j++)
            {
                double d = t.Data[at + j] - row[j];
                double n = inputNorms?[j] ?? 1f;
                sum += n * n * d * d;
            }
        }
        return sum;
    }
}
