namespace EdgeTiny.Converter.Compression;

/// <summary>
/// Activation-aware unstructured pruning (Wanda, Sun et al. 2023): a weight's importance is |W_ij| · ‖x_j‖₂, the norm
/// of its input feature over calibration tokens; each output row keeps its most important (1 − sparsity) share. Every
/// row keeps the same count, which is also what lets the sparse codec store rows of one size.
/// </summary>
public static class Wanda
{
    /// <summary>Weights each row keeps at this sparsity.</summary>
    public static int KeptPerRow(int cols, double sparsity) => Math.Clamp(cols - (int)Math.Round(sparsity * cols), 1, cols);

    /// <summary>Keep-mask (rows × cols) at <paramref name="sparsity"/>; <paramref name="inputNorms"/> null = plain magnitude.</summary>
    public static bool[] Mask(float[] w, int rows, int cols, float[]? inputNorms, double sparsity)
    {
        int keep = KeptPerRow(cols, sparsity);
        var mask = new bool[rows * cols];
        var score = new float[cols];
        var order = new int[cols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                score[c] = Math.Abs(w[r * cols + c]) * (inputNorms?[c] ?? 1f);
                order[c] = c;
            }
            // Highest scores first; ties by column so masks are deterministic.
            Array.Sort(order, (a, b) => score[b] != score[a] ? score[b].CompareTo(score[a]) : a.CompareTo(b));
            for (int i = 0; i < keep; i++) mask[r * cols + order[i]] = true;
        }
        return mask;
    }

    /// <summary>‖x_j‖₂ per input column over all captured rows (tokens) of x (tokens × cols).</summary>
    public static void AccumulateSquares(float[] x, int cols, double[] sums)
    {
        for (int i = 0; i < x.Length; i++) sums[i % cols] += (double)x[i] * x[i];
    }
}
