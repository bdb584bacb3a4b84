namespace EdgeTiny.Runtime.Kernels
{
    /// <summary>
    /// The hot loops of inference, over whole arrays with offsets (one call per matrix: cheap for an interpreter,
    /// and the unit a native or SIMD implementation replaces). <see cref="PortableKernels"/> is the reference every
    /// faster implementation (desktop SIMD, ESP32 native interop) is tested against.
    /// </summary>
    /// <remarks>
    /// One argument order for every member: the input arrays (each followed by its offset), then the output array (with
    /// its offset), then the sizes, then the parameters (codec, bits, group size, eps, scale) — the output after the
    /// inputs as in TensorPrimitives' (x, y, destination), the sizes after the arrays as in llama2.c. Members that work
    /// in place (Softmax, GatedActivation) and the vector helpers (Dot, Axpy, DotQ8, AxpyQ8: alpha first as in BLAS)
    /// keep their short forms. Many arguments share a type, so the compiler cannot catch a swapped pair: keep the order
    /// when adding a member.
    /// </remarks>
    public interface IKernels
    {
        /// <summary>
        /// W (rows, cols) @ x (cols) -> y (rows): y[yOff + r] = Σ_c w[wOff + r·cols + c] · x[xOff + c] for r in [0, rows).
        /// </summary>
        void MatVecF32(float[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols);

        /// <summary>
        /// W (rows, cols) @ x (cols) -> y (rows), W in Codec.Q, 8 bits.
        /// Group-symmetric int8 matrix × float vector over rows stored as in the file (Codec.Q, 8 bits): row r starts at
        /// w[wOff + r·rowBytes] with its ceil(cols/groupSize) little-endian float32 scales, then cols int8 values
        /// (two's complement bytes); rowBytes = cols + 4·groups. value = q × scale; the last group may be short.
        /// </summary>
        void MatVecQ8(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols, int groupSize);

        /// <summary>
        /// W (rows, cols) @ x (cols) -> y (rows), W in Codec.Q, <paramref name="bits"/> bits.
        /// Group-quantized (Codec.Q) matrix × float vector for any width 2..8 bits: row r starts at w[wOff + r·rowBytes]
        /// with its float32 group scales, then cols b-bit values packed LSB-first.
        /// </summary>
        void MatVecQ(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols, int bits, int groupSize);

        /// <summary>
        /// W (rows, cols) @ x (cols) -> y (rows), W in Codec.SparseQ.
        /// Pruned group-quantized (Codec.SparseQ) matrix × float vector: each row holds its group scales, a bitmap of
        /// kept columns, and <paramref name="kept"/> packed b-bit values in column order. Pruned weights read nothing.
        /// </summary>
        void MatVecSparseQ(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols, int bits, int kept, int groupSize);

        /// <summary>
        /// Backward of <see cref="MatVecF32"/>: W (rows, cols)ᵀ @ dy (rows) -> dx (cols), accumulated:
        /// dx[dxOff + c] += Σ_r dy[dyOff + r] · w[wOff + r·cols + c].
        /// </summary>
        void MatTVecF32(float[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols);

        /// <summary>Backward of <see cref="MatVecQ"/>: W (rows, cols)ᵀ @ dy (rows) -> dx (cols), accumulated, over Codec.Q rows.</summary>
        void MatTVecQ(byte[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols, int bits, int groupSize);

        /// <summary>Backward of <see cref="MatVecSparseQ"/>: W (rows, cols)ᵀ @ dy (rows) -> dx (cols), accumulated, over Codec.SparseQ rows.</summary>
        void MatTVecSparseQ(byte[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols, int bits, int kept, int groupSize);

        /// <summary>
        /// x (size), w (size) -> o (size): o[i] = w[wOff + i] · x[i] / sqrt(mean(x²) + eps) for i in [0, size).
        /// <paramref name="o"/> may be <paramref name="x"/> (in place).
        /// </summary>
        void RmsNorm(float[] x, float[] w, int wOff, float[] o, int size, float eps);

        /// <summary>In-place softmax of x[off .. off + size).</summary>
        void Softmax(float[] x, int off, int size);

        /// <summary>
        /// cos, sin (headSize / 2) -> v (length), in place: rotary position embedding of whole heads. Each pair
        /// (v[vOff + i], v[vOff + i + 1]), i even, with p = (i mod headSize) / 2, becomes
        /// (v0·cos[p] − v1·sin[p], v0·sin[p] + v1·cos[p]); the angles come from <see cref="Model.Rope.Angles"/>.
        /// </summary>
        void Rope(float[] cos, float[] sin, float[] v, int vOff, int length, int headSize);

        /// <summary>Σ a[aOff + i] · b[bOff + i] for i in [0, n).</summary>
        float Dot(float[] a, int aOff, float[] b, int bOff, int n);

        /// <summary>y[yOff + i] += alpha · x[xOff + i] for i in [0, n).</summary>
        void Axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

        /// <summary>
        /// bundles (count, 2·dim) at data[dataOff..], x (dim), act (count) -> output (dim), accumulated.
        /// Sparse FFN over <paramref name="count"/> consecutive neuron bundles stored as rows of 2·dim values (the up row,
        /// then the down column) in codec <paramref name="codec"/> (Codec.F32, or Codec.Q with <paramref name="bits"/> and
        /// group scales along the row). For bundle b with a = act[actOff + b] ≠ 0: u = up_b · x;
        /// output[outOff..+dim) += a · u · down_b. Bundles with a = 0 are skipped entirely.
        /// </summary>
        void FfnBundles(byte[] data, int dataOff, float[] x, int xOff, float[] act, int actOff, float[] output, int outOff,
            int count, int dim, int codec, int bits, int groupSize);

        /// <summary>
        /// gate[i] = act(gate[i]) · up[i] for i in [0, n): act = silu (activation 0, SwiGLU) or relu (activation 1).
        /// </summary>
        void GatedActivation(float[] gate, float[] up, int n, int activation);

        /// <summary>
        /// q (headSize) · keys (count, headSize; row s at keyOff + s·stride) -> scores (count).
        /// Attention scores of one head: scores[sOff + s] = q[qOff..qOff+headSize) · keys[keyOff + s·stride ..] / scale
        /// for s in [0, count).
        /// </summary>
        void AttentionScores(float[] q, int qOff, float[] keys, int keyOff, float[] scores, int sOff, int count, int headSize, int stride, float scale);

        /// <summary>
        /// weights (count) @ values (count, headSize; row s at valOff + s·stride) -> output (headSize), overwritten:
        /// output[outOff..+headSize) = Σ_s weights[wOff + s] · values[valOff + s·stride ..] for s in [0, count).
        /// </summary>
        void AttentionValues(float[] weights, int wOff, float[] values, int valOff, float[] output, int outOff, int count, int headSize, int stride);

        /// <summary>
        /// q (headSize) · keys (count, headSize; int8) -> scores (count).
        /// <see cref="AttentionScores"/> over int8 keys: key s is keys[keyOff + s·stride ..] × keyScales[scaleOff + s·scaleStride].
        /// </summary>
        void AttentionScoresQ8(float[] q, int qOff, byte[] keys, int keyOff, float[] keyScales, int scaleOff, float[] scores, int sOff,
            int count, int headSize, int stride, int scaleStride, float scale);

        /// <summary>
        /// weights (count) @ values (count, headSize; int8) -> output (headSize), overwritten.
        /// <see cref="AttentionValues"/> over int8 values with per-position scales, as in <see cref="AttentionScoresQ8"/>:
        /// value s is values[valOff + s·stride ..] × valueScales[scaleOff + s·scaleStride].
        /// </summary>
        void AttentionValuesQ8(float[] weights, int wOff, byte[] values, int valOff, float[] valueScales, int scaleOff, float[] output, int outOff,
            int count, int headSize, int stride, int scaleStride);

        /// <summary>Σ a[aOff + i] · (sbyte)q[qOff + i] for i in [0, n) — an int8 row, scale applied by the caller.</summary>
        float DotQ8(float[] a, int aOff, byte[] q, int qOff, int n);

        /// <summary>y[yOff + i] += alpha · (sbyte)q[qOff + i] for i in [0, n).</summary>
        void AxpyQ8(float alpha, byte[] q, int qOff, float[] y, int yOff, int n);

        /// <summary>
        /// x (rows) ⊗ y (cols) -> a (rows, cols; row r at aOff + r·stride), accumulated (BLAS sger, stride = lda): for each
        /// row r, g = alpha · x[xOff + r], then a[aOff + r·stride + c] += g · y[yOff + c] for c in [0, cols). Tuning's
        /// gradient of a product, dW += (alpha · dy) xᵀ (the LoRA adapters' dA and dB, stride = cols), and the attention
        /// backward's dV and dK rows of one head over the KV cache (stride = kv_dim). Every row is added, even where g = 0.
        /// </summary>
        void Ger(float alpha, float[] x, int xOff, float[] y, int yOff, float[] a, int aOff, int rows, int cols, int stride);

        /// <summary>
        /// One Adam update of n parameters from their gradients, in place on the moments m, v and the parameters p:
        /// for j in [0, n): gj = g[j] · gradScale; m[j] = beta1 · m[j] + (1 − beta1) · gj; v[j] = beta2 · v[j] + (1 − beta2) · gj · gj;
        /// p[j] −= learningRate · (m[j] / c1) / (sqrt(v[j] / c2) + epsilon), with c1, c2 the bias corrections 1 − beta^step.
        /// gradScale is the global-norm clipping factor (1 = none).
        /// </summary>
        void AdamStep(float[] g, float[] m, float[] v, float[] p, int n, float gradScale, float learningRate, float beta1, float beta2,
            float c1, float c2, float epsilon);
    }
}
