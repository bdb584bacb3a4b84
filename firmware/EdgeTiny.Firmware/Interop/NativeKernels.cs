using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Firmware.Interop
{
    /// <summary>
    /// <see cref="IKernels"/> for a nanoCLR image built with the EdgeTiny native kernels: the quantized matrix × vector
    /// loops and the packed-FFN bundle loop (where decoding happens and nearly all the time goes) run in C through
    /// <see cref="KernelsNative"/>; everything else is <see cref="PortableKernels"/>. Results agree with
    /// PortableKernels within float rounding (1e-5 of the sum of |terms|, checked on the host by firmware/native's tests).
    /// </summary>
    /// <remarks>
    /// Only on a firmware that has the native assembly: with a stock image the interop assembly does not load at all
    /// (native checksum mismatch), so an app built for both kinds of firmware picks <see cref="PortableKernels"/> at
    /// build time.
    /// </remarks>
    public sealed class NativeKernels : IKernels
    {
        private readonly PortableKernels _portable = new PortableKernels();

        // Native: the hot loops.

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

        public void FfnBundles(byte[] data, int dataOff, float[] x, int xOff, float[] act, int actOff, float[] output, int outOff,
            int count, int dim, int codec, int bits, int groupSize)
        {
            KernelsNative.FfnBundles(data, dataOff, x, xOff, act, actOff, output, outOff, count, dim, codec, bits, groupSize);
        }

        // Portable: float matrices (only in unquantized models), per-vector work and attention over the context.

        public void MatVecF32(float[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols)
        {
            _portable.MatVecF32(w, wOff, x, xOff, y, yOff, rows, cols);
        }

        // Portable: the transposed products of on-device tuning (a few last layers, not per generated token).

        public void MatTVecF32(float[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols)
        {
            _portable.MatTVecF32(w, wOff, dy, dyOff, dx, dxOff, rows, cols);
        }

        public void MatTVecQ(byte[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols, int bits, int groupSize)
        {
            _portable.MatTVecQ(w, wOff, dy, dyOff, dx, dxOff, rows, cols, bits, groupSize);
        }

        public void MatTVecSparseQ(byte[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols, int bits, int kept, int groupSize)
        {
            _portable.MatTVecSparseQ(w, wOff, dy, dyOff, dx, dxOff, rows, cols, bits, kept, groupSize);
        }

        public void RmsNorm(float[] x, float[] w, int wOff, float[] o, int size, float eps)
        {
            _portable.RmsNorm(x, w, wOff, o, size, eps);
        }

        public void Softmax(float[] x, int off, int size)
        {
            _portable.Softmax(x, off, size);
        }

        public void Rope(float[] cos, float[] sin, float[] v, int vOff, int length, int headSize)
        {
            _portable.Rope(cos, sin, v, vOff, length, headSize);
        }

        public float Dot(float[] a, int aOff, float[] b, int bOff, int n)
        {
            return _portable.Dot(a, aOff, b, bOff, n);
        }

        public void Axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n)
        {
            _portable.Axpy(alpha, x, xOff, y, yOff, n);
        }

        public void GatedActivation(float[] gate, float[] up, int n, int activation)
        {
            _portable.GatedActivation(gate, up, n, activation);
        }

        public void AttentionScores(float[] q, int qOff, float[] keys, int keyOff, float[] scores, int sOff, int count, int headSize, int stride, float scale)
        {
            _portable.AttentionScores(q, qOff, keys, keyOff, scores, sOff, count, headSize, stride, scale);
        }

        public void AttentionValues(float[] weights, int wOff, float[] values, int valOff, float[] output, int outOff, int count, int headSize, int stride)
        {
            _portable.AttentionValues(weights, wOff, values, valOff, output, outOff, count, headSize, stride);
        }

        public void AttentionScoresQ8(float[] q, int qOff, byte[] keys, int keyOff, float[] keyScales, int scaleOff, float[] scores, int sOff,
            int count, int headSize, int stride, int scaleStride, float scale)
        {
            _portable.AttentionScoresQ8(q, qOff, keys, keyOff, keyScales, scaleOff, scores, sOff, count, headSize, stride, scaleStride, scale);
        }

        public void AttentionValuesQ8(float[] weights, int wOff, byte[] values, int valOff, float[] valueScales, int scaleOff, float[] output, int outOff,
            int count, int headSize, int stride, int scaleStride)
        {
            _portable.AttentionValuesQ8(weights, wOff, values, valOff, valueScales, scaleOff, output, outOff, count, headSize, stride, scaleStride);
        }

        public float DotQ8(float[] a, int aOff, byte[] q, int qOff, int n)
        {
            return _portable.DotQ8(a, aOff, q, qOff, n);
        }

        public void AxpyQ8(float alpha, byte[] q, int qOff, float[] y, int yOff, int n)
        {
            _portable.AxpyQ8(alpha, q, qOff, y, yOff, n);
        }
    }
}
