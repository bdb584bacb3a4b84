using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Firmware.Interop
{
    /// <summary>
    /// <see cref="IKernels"/> for a nanoCLR image built with the EdgeTiny native kernels: every member runs in C through
    /// <see cref="KernelsNative"/> (firmware/native), so what the interpreter runs per token is the glue between the calls.
    /// Results agree with <see cref="PortableKernels"/> within float rounding (1e-5 of the sum of |terms| per output, or
    /// 1e-5 relative for the element-wise kernels; checked on the host by firmware/native's tests).
    /// </summary>
    /// <remarks>
    /// Only on a firmware that has the native assembly: with a stock image the interop assembly does not load at all
    /// (native checksum mismatch), so an app built for both kinds of firmware picks <see cref="PortableKernels"/> at
    /// build time. The on-board prediction (converter/EdgeTiny.Host/Prediction/FirmwareKernels.cs) lists the members
    /// this class sends to C; a test holds that list equal to this file.
    /// </remarks>
    public sealed class NativeKernels : IKernels
    {
        public void MatVecF32(float[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols)
        {
            KernelsNative.MatVecF32(w, wOff, x, xOff, y, yOff, rows, cols);
        }

        public void MatVecQ8(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols, int groupSize)
        {
            KernelsNative.MatVecQ8(w, wOff, x, xOff, y, yOff, rows, cols, groupSize);
        }

        public void MatVecQ(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols, int bits, int groupSize)
        {
            KernelsNative.MatVecQ(w, wOff, x, xOff, y, yOff, rows, cols, bits, groupSize);
        }

        public void MatVecSparseQ(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols, int bits, int kept, int groupSize)
        {
            KernelsNative.MatVecSparseQ(w, wOff, x, xOff, y, yOff, rows, cols, bits, kept, groupSize);
        }

        public void MatTVecF32(float[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols)
        {
            KernelsNative.MatTVecF32(w, wOff, dy, dyOff, dx, dxOff, rows, cols);
        }

        public void MatTVecQ(byte[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols, int bits, int groupSize)
        {
            KernelsNative.MatTVecQ(w, wOff, dy, dyOff, dx, dxOff, rows, cols, bits, groupSize);
        }

        public void MatTVecSparseQ(byte[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols, int bits, int kept, int groupSize)
        {
            KernelsNative.MatTVecSparseQ(w, wOff, dy, dyOff, dx, dxOff, rows, cols, bits, kept, groupSize);
        }

        public void RmsNorm(float[] x, float[] w, int wOff, float[] o, int size, float eps)
        {
            KernelsNative.RmsNorm(x, w, wOff, o, size, eps);
        }

        public void Softmax(float[] x, int off, int size)
        {
            KernelsNative.Softmax(x, off, size);
        }

        public void Rope(float[] cos, float[] sin, float[] v, int vOff, int length, int headSize)
        {
            KernelsNative.Rope(cos, sin, v, vOff, length, headSize);
        }

        public float Dot(float[] a, int aOff, float[] b, int bOff, int n)
        {
            return KernelsNative.Dot(a, aOff, b, bOff, n);
        }

        public void Axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n)
        {
            KernelsNative.Axpy(alpha, x, xOff, y, yOff, n);
        }

        public void FfnBundles(byte[] data, int dataOff, float[] x, int xOff, float[] act, int actOff, float[] output, int outOff,
            int count, int dim, int codec, int bits, int groupSize)
        {
            KernelsNative.FfnBundles(data, dataOff, x, xOff, act, actOff, output, outOff, count, dim, codec, bits, groupSize);
        }

        public void GatedActivation(float[] gate, float[] up, int n, int activation)
        {
            KernelsNative.GatedActivation(gate, up, n, activation);
        }

        public void AttentionScores(float[] q, int qOff, float[] keys, int keyOff, float[] scores, int sOff, int count, int headSize, int stride, float scale)
        {
            KernelsNative.AttentionScores(q, qOff, keys, keyOff, scores, sOff, count, headSize, stride, scale);
        }

        public void AttentionValues(float[] weights, int wOff, float[] values, int valOff, float[] output, int outOff, int count, int headSize, int stride)
        {
            KernelsNative.AttentionValues(weights, wOff, values, valOff, output, outOff, count, headSize, stride);
        }

        public void AttentionScoresQ8(float[] q, int qOff, byte[] keys, int keyOff, float[] keyScales, int scaleOff, float[] scores, int sOff,
            int count, int headSize, int stride, int scaleStride, float scale)
        {
            KernelsNative.AttentionScoresQ8(q, qOff, keys, keyOff, keyScales, scaleOff, scores, sOff, count, headSize, stride, scaleStride, scale);
        }

        public void AttentionValuesQ8(float[] weights, int wOff, byte[] values, int valOff, float[] valueScales, int scaleOff, float[] output, int outOff,
            int count, int headSize, int stride, int scaleStride)
        {
            KernelsNative.AttentionValuesQ8(weights, wOff, values, valOff, valueScales, scaleOff, output, outOff, count, headSize, stride, scaleStride);
        }

        public float DotQ8(float[] a, int aOff, byte[] q, int qOff, int n)
        {
            return KernelsNative.DotQ8(a, aOff, q, qOff, n);
        }

        public void AxpyQ8(float alpha, byte[] q, int qOff, float[] y, int yOff, int n)
        {
            KernelsNative.AxpyQ8(alpha, q, qOff, y, yOff, n);
        }

        public void Ger(float alpha, float[] x, int xOff, float[] y, int yOff, float[] a, int aOff, int rows, int cols, int stride)
        {
            KernelsNative.Ger(alpha, x, xOff, y, yOff, a, aOff, rows, cols, stride);
        }

        public void AdamStep(float[] g, float[] m, float[] v, float[] p, int n, float gradScale, float learningRate, float beta1, float beta2,
            float c1, float c2, float epsilon)
        {
            KernelsNative.AdamStep(g, m, v, p, n, gradScale, learningRate, beta1, beta2, c1, c2, epsilon);
        }
    }
}
