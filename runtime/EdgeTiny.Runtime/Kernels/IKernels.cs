namespace EdgeTiny.Runtime.Kernels
{
    /// <summary>
    /// The hot loops of inference, over whole arrays with offsets (one call per matrix: cheap for an interpreter,
    /// and the unit a native or SIMD implementation replaces). <see cref="PortableKernels"/> is the reference every
    /// faster implementation (desktop SIMD, ESP32 native interop) is tested against.
    /// </summary>
    public interface IKernels
    {
        /// <summary>y[yOff + r] = Σ_c w[wOff + r·cols + c] · x[xOff + c] for r in [0, rows).</summary>
        void MatVecF32(float[] w, int wOff, int rows, int cols, float[] x, int xOff, float[] y, int yOff);

        /// <summary>
        /// Group-symmetric int8 matrix × float vector. Row r's values start at q[qOff + r·cols]; its group scales at
        /// scales[sOff + r·groupsPerRow]; value = q × scale; the last group of a row may be shorter than groupSize.
        /// </summary>
        void MatVecQ8(sbyte[] q, int qOff, float[] scales, int sOff, int groupSize, int rows, int cols,
            float[] x, int xOff, float[] y, int yOff);

        /// <summary>o[i] = w[wOff + i] · x[i] / sqrt(mean(x²) + eps) for i in [0, size).</summary>
        void RmsNorm(float[] o, float[] x, float[] w, int wOff, int size, float eps);

        /// <summary>In-place softmax of x[off .. off + size).</summary>
        void Softmax(float[] x, int off, int size);

        /// <summary>Σ a[aOff + i] · b[bOff + i] for i in [0, n).</summary>
        float Dot(float[] a, int aOff, float[] b, int bOff, int n);

        /// <summary>y[yOff + i] += alpha · x[xOff + i] for i in [0, n).</summary>
        void Axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);
    }
}
