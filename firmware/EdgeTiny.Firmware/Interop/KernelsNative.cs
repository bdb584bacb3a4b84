using System.Runtime.CompilerServices;

namespace EdgeTiny.Firmware.Interop
{
    /// <summary>
    /// The native kernels of firmware/native (C99), called through nanoFramework interop: one call per matrix, whole
    /// arrays plus offsets, in <c>IKernels</c>' argument order (inputs, output, sizes, parameters). Each method is
    /// implemented in the nanoCLR image by a stub that checks every range and runs the matching <c>et_*_checked</c>
    /// function of edgetiny_kernels.h, whose arguments come in the same order (bad ranges throw
    /// IndexOutOfRangeException, bad parameters ArgumentException, before anything is written).
    /// </summary>
    /// <remarks>
    /// Build this file alone as the class library <c>EdgeTiny.Native</c> (<c>NFMDP_GENERATE_STUBS</c>): the native
    /// checksum covers every method of every class in the assembly, in order, so anything else living here would tie
    /// the firmware to it. Changing, adding or reordering a method here changes the checksum: regenerate the stubs,
    /// rebuild and reflash nanoCLR (firmware/native/README.md).
    /// </remarks>
    public static class KernelsNative
    {
        /// <summary><c>IKernels.MatVecQ8</c>: Codec.Q rows of int8 values.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void MatVecQ8(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff,
            int rows, int cols, int groupSize);

        /// <summary><c>IKernels.MatVecQ</c>: Codec.Q rows of 2..8-bit values.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void MatVecQ(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff,
            int rows, int cols, int bits, int groupSize);

        /// <summary><c>IKernels.MatVecSparseQ</c>: Codec.SparseQ rows.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void MatVecSparseQ(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff,
            int rows, int cols, int bits, int kept, int groupSize);

        /// <summary><c>IKernels.FfnBundles</c>: Codec.F32 or Codec.Q neuron bundles.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void FfnBundles(byte[] data, int dataOff, float[] x, int xOff, float[] act, int actOff,
            float[] output, int outOff, int count, int dim, int codec, int bits, int groupSize);

        /// <summary><c>IKernels.MatVecF32</c>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void MatVecF32(float[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols);

        /// <summary><c>IKernels.MatTVecF32</c>: the transposed product of tuning, accumulated.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void MatTVecF32(float[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols);

        /// <summary><c>IKernels.MatTVecQ</c>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void MatTVecQ(byte[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff,
            int rows, int cols, int bits, int groupSize);

        /// <summary><c>IKernels.MatTVecSparseQ</c>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void MatTVecSparseQ(byte[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff,
            int rows, int cols, int bits, int kept, int groupSize);

        /// <summary><c>IKernels.RmsNorm</c> (<paramref name="o"/> may be <paramref name="x"/>).</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void RmsNorm(float[] x, float[] w, int wOff, float[] o, int size, float eps);

        /// <summary><c>IKernels.Softmax</c>, in place.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Softmax(float[] x, int off, int size);

        /// <summary><c>IKernels.Rope</c>, in place.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Rope(float[] cos, float[] sin, float[] v, int vOff, int length, int headSize);

        /// <summary><c>IKernels.Dot</c>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern float Dot(float[] a, int aOff, float[] b, int bOff, int n);

        /// <summary><c>IKernels.Axpy</c>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

        /// <summary><c>IKernels.GatedActivation</c>, in place on <paramref name="gate"/>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void GatedActivation(float[] gate, float[] up, int n, int activation);

        /// <summary><c>IKernels.AttentionScores</c>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void AttentionScores(float[] q, int qOff, float[] keys, int keyOff, float[] scores, int sOff,
            int count, int headSize, int stride, float scale);

        /// <summary><c>IKernels.AttentionValues</c>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void AttentionValues(float[] weights, int wOff, float[] values, int valOff, float[] output, int outOff,
            int count, int headSize, int stride);

        /// <summary><c>IKernels.AttentionScoresQ8</c>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void AttentionScoresQ8(float[] q, int qOff, byte[] keys, int keyOff, float[] keyScales, int scaleOff,
            float[] scores, int sOff, int count, int headSize, int stride, int scaleStride, float scale);

        /// <summary><c>IKernels.AttentionValuesQ8</c>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void AttentionValuesQ8(float[] weights, int wOff, byte[] values, int valOff, float[] valueScales, int scaleOff,
            float[] output, int outOff, int count, int headSize, int stride, int scaleStride);

        /// <summary><c>IKernels.DotQ8</c>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern float DotQ8(float[] a, int aOff, byte[] q, int qOff, int n);

        /// <summary><c>IKernels.AxpyQ8</c>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void AxpyQ8(float alpha, byte[] q, int qOff, float[] y, int yOff, int n);

        /// <summary><c>IKernels.Ger</c>: a += (alpha · x) yᵀ.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Ger(float alpha, float[] x, int xOff, float[] y, int yOff, float[] a, int aOff, int rows, int cols, int stride);

        /// <summary><c>IKernels.AdamStep</c>, in place on <paramref name="m"/>, <paramref name="v"/> and <paramref name="p"/>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void AdamStep(float[] g, float[] m, float[] v, float[] p, int n, float gradScale, float learningRate,
            float beta1, float beta2, float c1, float c2, float epsilon);
    }
}
