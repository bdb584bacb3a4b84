using EdgeTiny.Converter.Import;

namespace EdgeTiny.Converter.Compression;

/// <summary>
/// How much compressing a matrix changes its own output on the calibration inputs, without running them:
/// Σ_r Σ_j ‖x_j‖² (w_rj − w'_rj)², the diagonal part of ‖X (W − W')ᵀ‖² (the cross terms between input columns
/// dropped, as Wanda's importance and OBS's diagonal approximation drop them). ‖x_j‖ are the input norms the sweep
/// already has; without them (a lookup table) every column weighs 1. One pass over the weights per candidate.
/// </summary>
public static class LayerError
{
    public static double Of(SourceTensor t, float[] compressed, float[]? inputNorms)
    {
        double sum = 0;
        for (int r = 0; r < t.Rows; r++)
        {
            int row = r * t.Cols;
            for (int j = 0; j < t.Cols; j++)
            {
                double d = t.Data[row + j] - compressed[row + j];
                double n = inputNorms?[j] ?? 1f;
                sum += n * n * d * d;
            }
        }
        return sum;
    }
}
