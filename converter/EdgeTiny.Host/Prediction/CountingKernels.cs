using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Host.Prediction;

/// <summary>
/// An <see cref="IKernels"/> that runs another and counts, per kernel kind, the calls and the operations they do
/// (<see cref="KernelCounts"/>): what a forward pass asks of the kernels, measured on the real model with its real
/// plan (packed FFNs count only their active neurons, attention its real context). The on-board prediction
/// (<see cref="OnBoardPrediction"/>) prices these counts at a board's native and interpreted rates.
/// Counting adds one interface call and a few additions per kernel call; it allocates nothing.
/// </summary>
public sealed class CountingKernels(IKernels inner) : IKernels
{
    public IKernels Inner { get; } = inner;
    public KernelCounts Counts { get; } = new();

    private void Add(KernelKind k, long operations)
    {
        Counts.Calls[(int)k]++;
        Counts.Operations[(int)k] += operations;
    }

    public void MatVecF32(float[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols)
    {
        Add(KernelKind.MatVecF32, (long)rows * cols);
        Inner.MatVecF32(w, wOff, x, xOff, y, yOff, rows, cols);
    }

    public void MatVecQ8(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols, int groupSize)
    {
        Add(KernelKind.MatVecQ8, (long)rows * cols);
        Inner.MatVecQ8(w, wOff, x, xOff, y, yOff, rows, cols, groupSize);
    }

    public void MatVecQ(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols, int bits, int groupSize)
    {
        Add(KernelKind.MatVecQ, (long)rows * cols);
        Inner.MatVecQ(w, wOff, x, xOff, y, yOff, rows, cols, bits, groupSize);
    }

    /// <summary>Pruned weights cost nothing: rows × kept.</summary>
    public void MatVecSparseQ(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols, int bits, int kept, int groupSize)
    {
        Add(KernelKind.MatVecSparseQ, (long)rows * kept);
        Inner.MatVecSparseQ(w, wOff, x, xOff, y, yOff, rows, cols, bits, kept, groupSize);
    }

    public void MatTVecF32(float[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols)
    {
        Add(KernelKind.MatTVecF32, (long)rows * cols);
        Inner.MatTVecF32(w, wOff, dy, dyOff, dx, dxOff, rows, cols);
    }

    public void MatTVecQ(byte[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols, int bits, int groupSize)
    {
        Add(KernelKind.MatTVecQ, (long)rows * cols);
        Inner.MatTVecQ(w, wOff, dy, dyOff, dx, dxOff, rows, cols, bits, groupSize);
    }

    public void MatTVecSparseQ(byte[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols, int bits, int kept, int groupSize)
    {
        Add(KernelKind.MatTVecSparseQ, (long)rows * kept);
        Inner.MatTVecSparseQ(w, wOff, dy, dyOff, dx, dxOff, rows, cols, bits, kept, groupSize);
    }

    /// <summary>Two passes over the vector: the sum of squares, then the scaling.</summary>
    public void RmsNorm(float[] x, float[] w, int wOff, float[] o, int size, float eps)
    {
        Add(KernelKind.RmsNorm, 2L * size);
        Inner.RmsNorm(x, w, wOff, o, size, eps);
    }

    /// <summary>Three passes: the maximum, exp and sum, the scaling.</summary>
    public void Softmax(float[] x, int off, int size)
    {
        Add(KernelKind.Softmax, 3L * size);
        Inner.Softmax(x, off, size);
    }

    public void Rope(float[] cos, float[] sin, float[] v, int vOff, int length, int headSize)
    {
        Add(KernelKind.Rope, length);
        Inner.Rope(cos, sin, v, vOff, length, headSize);
    }

    public float Dot(float[] a, int aOff, float[] b, int bOff, int n)
    {
        Add(KernelKind.Dot, n);
        return Inner.Dot(a, aOff, b, bOff, n);
    }

    public void Axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n)
    {
        Add(KernelKind.Axpy, n);
        Inner.Axpy(alpha, x, xOff, y, yOff, n);
    }

    /// <summary>Only active bundles (act ≠ 0) cost anything: 2·dim operations each (up · x, then the down column).</summary>
    public void FfnBundles(byte[] data, int dataOff, float[] x, int xOff, float[] act, int actOff, float[] output, int outOff,
        int count, int dim, int codec, int bits, int groupSize)
    {
        long active = 0;
        for (int b = 0; b < count; b++) if (act[actOff + b] != 0f) active++;
        Add(KernelKind.FfnBundles, active * 2 * dim);
        Inner.FfnBundles(data, dataOff, x, xOff, act, actOff, output, outOff, count, dim, codec, bits, groupSize);
    }

    public void GatedActivation(float[] gate, float[] up, int n, int activation)
    {
        Add(KernelKind.GatedActivation, n);
        Inner.GatedActivation(gate, up, n, activation);
    }

    public void AttentionScores(float[] q, int qOff, float[] keys, int keyOff, float[] scores, int sOff, int count, int headSize, int stride, float scale)
    {
        Add(KernelKind.AttentionScores, (long)count * headSize);
        Inner.AttentionScores(q, qOff, keys, keyOff, scores, sOff, count, headSize, stride, scale);
    }

    public void AttentionValues(float[] weights, int wOff, float[] values, int valOff, float[] output, int outOff, int count, int headSize, int stride)
    {
        Add(KernelKind.AttentionValues, (long)count * headSize);
        Inner.AttentionValues(weights, wOff, values, valOff, output, outOff, count, headSize, stride);
    }

    public void AttentionScoresQ8(float[] q, int qOff, byte[] keys, int keyOff, float[] keyScales, int scaleOff, float[] scores, int sOff,
        int count, int headSize, int stride, int scaleStride, float scale)
    {
        Add(KernelKind.AttentionScoresQ8, (long)count * headSize);
        Inner.AttentionScoresQ8(q, qOff, keys, keyOff, keyScales, scaleOff, scores, sOff, count, headSize, stride, scaleStride, scale);
    }

    public void AttentionValuesQ8(float[] weights, int wOff, byte[] values, int valOff, float[] valueScales, int scaleOff, float[] output, int outOff,
        int count, int headSize, int stride, int scaleStride)
    {
        Add(KernelKind.AttentionValuesQ8, (long)count * headSize);
        Inner.AttentionValuesQ8(weights, wOff, values, valOff, valueScales, scaleOff, output, outOff, count, headSize, stride, scaleStride);
    }

    public float DotQ8(float[] a, int aOff, byte[] q, int qOff, int n)
    {
        Add(KernelKind.DotQ8, n);
        return Inner.DotQ8(a, aOff, q, qOff, n);
    }

    public void AxpyQ8(float alpha, byte[] q, int qOff, float[] y, int yOff, int n)
    {
        Add(KernelKind.AxpyQ8, n);
        Inner.AxpyQ8(alpha, q, qOff, y, yOff, n);
    }

    /// <summary>One multiply-add per element of the rows × cols block.</summary>
    public void Ger(float alpha, float[] x, int xOff, float[] y, int yOff, float[] a, int aOff, int rows, int cols, int stride)
    {
        Add(KernelKind.Ger, (long)rows * cols);
        Inner.Ger(alpha, x, xOff, y, yOff, a, aOff, rows, cols, stride);
    }

    /// <summary>One pass over the n parameters (two moments, a square root, a division each): n operations.</summary>
    public void AdamStep(float[] g, float[] m, float[] v, float[] p, int n, float gradScale, float learningRate, float beta1, float beta2,
        float c1, float c2, float epsilon)
    {
        Add(KernelKind.AdamStep, n);
        Inner.AdamStep(g, m, v, p, n, gradScale, learningRate, beta1, beta2, c1, c2, epsilon);
    }
}
