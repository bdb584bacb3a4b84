using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Runtime.Kernels
{
    /// <summary>
    /// Plain scalar loops: the reference implementation, and what runs on a board without native kernels.
    /// Accumulation is in float, in index order, like llama2.c's run.c.
    /// </summary>
    public sealed class PortableKernels : IKernels
    {
        public void MatVecF32(float[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols)
        {
            for (int r = 0; r < rows; r++)
            {
                int wi = wOff + r * cols;
                float sum = 0f;
                for (int c = 0; c < cols; c++) sum += w[wi + c] * x[xOff + c];
                y[yOff + r] = sum;
            }
        }

        public void MatVecQ8(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols, int groupSize)
        {
            int groups = (cols + groupSize - 1) / groupSize;
            int rowBytes = cols + groups * 4;
            for (int r = 0; r < rows; r++)
            {
                int row = wOff + r * rowBytes;
                int qi = row + groups * 4;
                float sum = 0f;
                for (int g = 0; g < groups; g++)
                {
                    int start = g * groupSize;
                    int end = start + groupSize;
                    if (end > cols) end = cols;
                    float part = 0f;
                    for (int c = start; c < end; c++) part += (sbyte)w[qi + c] * x[xOff + c];
                    sum += part * LittleEndian.ReadSingle(w, row + g * 4);
                }
                y[yOff + r] = sum;
            }
        }

        public void MatVecQ(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols, int bits, int groupSize)
        {
            if (bits == 8)
            {
                MatVecQ8(w, wOff, x, xOff, y, yOff, rows, cols, groupSize);
                return;
            }
            int groups = (cols + groupSize - 1) / groupSize;
            int rowBytes = groups * 4 + Codec.PackedBytes(cols, bits);
            for (int r = 0; r < rows; r++)
            {
                int row = wOff + r * rowBytes;
                int values = row + groups * 4;
                float sum = 0f;
                for (int g = 0; g < groups; g++)
                {
                    int start = g * groupSize;
                    int end = start + groupSize;
                    if (end > cols) end = cols;
                    float part = 0f;
                    if (bits == 4)
                    {
                        for (int c = start; c < end; c++)
                        {
                            int b = w[values + (c >> 1)];
                            int q = (c & 1) == 0 ? b & 0xF : b >> 4;
                            part += (q > 7 ? q - 16 : q) * x[xOff + c];
                        }
                    }
                    else
                    {
                        for (int c = start; c < end; c++) part += PackedValues.Read(w, values, c, bits) * x[xOff + c];
                    }
                    sum += part * LittleEndian.ReadSingle(w, row + g * 4);
                }
                y[yOff + r] = sum;
            }
        }

        public void MatVecSparseQ(byte[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int rows, int cols, int bits, int kept, int groupSize)
        {
            int groups = (cols + groupSize - 1) / groupSize;
            int bitmapBytes = (cols + 7) / 8;
            int rowBytes = groups * 4 + bitmapBytes + Codec.PackedBytes(kept, bits);
            for (int r = 0; r < rows; r++)
            {
                int row = wOff + r * rowBytes;
                int bitmap = row + groups * 4;
                int packed = bitmap + bitmapBytes;
                int k = 0;
                float sum = 0f;
                for (int g = 0; g < groups; g++)
                {
                    int start = g * groupSize;
                    int end = start + groupSize;
                    if (end > cols) end = cols;
                    float part = 0f;
                    for (int c = start; c < end; c++)
                    {
                        if ((w[bitmap + (c >> 3)] & (1 << (c & 7))) == 0) continue;
                        part += PackedValues.Read(w, packed, k++, bits) * x[xOff + c];
                    }
                    sum += part * LittleEndian.ReadSingle(w, row + g * 4);
                }
                y[yOff + r] = sum;
            }
        }

        public void MatTVecF32(float[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols)
        {
            for (int r = 0; r < rows; r++)
            {
                float g = dy[dyOff + r];
                if (g == 0f) continue;
                int wi = wOff + r * cols;
                for (int c = 0; c < cols; c++) dx[dxOff + c] += g * w[wi + c];
            }
        }

        public void MatTVecQ(byte[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols, int bits, int groupSize)
        {
            int groups = (cols + groupSize - 1) / groupSize;
            int rowBytes = groups * 4 + Codec.PackedBytes(cols, bits);
            for (int r = 0; r < rows; r++)
            {
                float g = dy[dyOff + r];
                if (g == 0f) continue;
                int row = wOff + r * rowBytes;
                int values = row + groups * 4;
                for (int c = 0; c < cols; c++)
                {
                    int q = bits == 8 ? (sbyte)w[values + c] : PackedValues.Read(w, values, c, bits);
                    dx[dxOff + c] += g * q * LittleEndian.ReadSingle(w, row + c / groupSize * 4);
                }
            }
        }

        public void MatTVecSparseQ(byte[] w, int wOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols, int bits, int kept, int groupSize)
        {
            int groups = (cols + groupSize - 1) / groupSize;
            int bitmapBytes = (cols + 7) / 8;
            int rowBytes = groups * 4 + bitmapBytes + Codec.PackedBytes(kept, bits);
            for (int r = 0; r < rows; r++)
            {
                float g = dy[dyOff + r];
                if (g == 0f) continue;
                int row = wOff + r * rowBytes;
                int bitmap = row + groups * 4;
                int packed = bitmap + bitmapBytes;
                int k = 0;
                for (int c = 0; c < cols; c++)
                {
                    if ((w[bitmap + (c >> 3)] & (1 << (c & 7))) == 0) continue;
                    dx[dxOff + c] += g * PackedValues.Read(w, packed, k++, bits) * LittleEndian.ReadSingle(w, row + c / groupSize * 4);
                }
            }
        }

        public void RmsNorm(float[] x, float[] w, int wOff, float[] o, int size, float eps)
        {
            float ss = 0f;
            for (int i = 0; i < size; i++) ss += x[i] * x[i];
            ss = ss / size + eps;
            float inv = 1f / (float)System.Math.Sqrt(ss);
            for (int i = 0; i < size; i++) o[i] = w[wOff + i] * (inv * x[i]);
        }

        public void Softmax(float[] x, int off, int size)
        {
            float max, sum;
            SoftmaxInto(x, off, x, off, size, out max, out sum);
        }

        public void Rope(float[] cos, float[] sin, float[] v, int vOff, int length, int headSize)
        {
            Model.Rope.Rotate(v, vOff, length, headSize, cos, sin);
        }

        public float Dot(float[] a, int aOff, float[] b, int bOff, int n)
        {
            float sum = 0f;
            for (int i = 0; i < n; i++) sum += a[aOff + i] * b[bOff + i];
            return sum;
        }

        public void Axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n)
        {
            for (int i = 0; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
        }

        public void FfnBundles(byte[] data, int dataOff, float[] x, int xOff, float[] act, int actOff, float[] output, int outOff,
            int count, int dim, int codec, int bits, int groupSize)
        {
            int cols = 2 * dim;
            int rowBytes = Codec.RowBytes(codec, codec == Codec.F32 ? 0 : bits, cols, groupSize);
            int groups = codec == Codec.F32 ? 0 : (cols + groupSize - 1) / groupSize;
            for (int b = 0; b < count; b++)
            {
                float a = act[actOff + b];
                if (a == 0f) continue;
                int row = dataOff + b * rowBytes;
                float u = 0f;
                for (int c = 0; c < dim; c++) u += Value(data, row, codec, bits, groups, groupSize, c) * x[xOff + c];
                float h = a * u;
                for (int c = 0; c < dim; c++) output[outOff + c] += h * Value(data, row, codec, bits, groups, groupSize, dim + c);
            }
        }

        /// <summary>Element c of a stored row (slow and simple: the reference the fast kernels are checked against).</summary>
        private static float Value(byte[] data, int row, int codec, int bits, int groups, int groupSize, int c)
        {
            if (codec == Codec.F32) return LittleEndian.ReadSingle(data, row + c * 4);
            return PackedValues.Read(data, row + groups * 4, c, bits) * LittleEndian.ReadSingle(data, row + c / groupSize * 4);
        }

        public void GatedActivation(float[] gate, float[] up, int n, int activation)
        {
            for (int i = 0; i < n; i++) gate[i] = FfnActivation.Apply(gate[i], activation) * up[i];
        }

        public void AttentionScores(float[] q, int qOff, float[] keys, int keyOff, float[] scores, int sOff, int count, int headSize, int stride, float scale)
        {
            for (int s = 0; s < count; s++) scores[sOff + s] = Dot(q, qOff, keys, keyOff + s * stride, headSize) / scale;
        }

        public void AttentionValues(float[] weights, int wOff, float[] values, int valOff, float[] output, int outOff, int count, int headSize, int stride)
        {
            System.Array.Clear(output, outOff, headSize);
            for (int s = 0; s < count; s++) Axpy(weights[wOff + s], values, valOff + s * stride, output, outOff, headSize);
        }

        public void AttentionScoresQ8(float[] q, int qOff, byte[] keys, int keyOff, float[] keyScales, int scaleOff, float[] scores, int sOff,
            int count, int headSize, int stride, int scaleStride, float scale)
        {
            for (int s = 0; s < count; s++)
                scores[sOff + s] = DotQ8(q, qOff, keys, keyOff + s * stride, headSize) * keyScales[scaleOff + s * scaleStride] / scale;
        }

        public void AttentionValuesQ8(float[] weights, int wOff, byte[] values, int valOff, float[] valueScales, int scaleOff, float[] output, int outOff,
            int count, int headSize, int stride, int scaleStride)
        {
            System.Array.Clear(output, outOff, headSize);
            for (int s = 0; s < count; s++)
                AxpyQ8(weights[wOff + s] * valueScales[scaleOff + s * scaleStride], values, valOff + s * stride, output, outOff, headSize);
        }

        public float DotQ8(float[] a, int aOff, byte[] q, int qOff, int n)
        {
            float sum = 0f;
            for (int i = 0; i < n; i++) sum += a[aOff + i] * (sbyte)q[qOff + i];
            return sum;
        }

        public void AxpyQ8(float alpha, byte[] q, int qOff, float[] y, int yOff, int n)
        {
            for (int i = 0; i < n; i++) y[yOff + i] += alpha * (sbyte)q[qOff + i];
        }

        public void Ger(float alpha, float[] x, int xOff, float[] y, int yOff, float[] a, int aOff, int rows, int cols, int stride)
        {
            for (int r = 0; r < rows; r++)
            {
                float g = alpha * x[xOff + r];
                int ai = aOff + r * stride;
                for (int c = 0; c < cols; c++) a[ai + c] += g * y[yOff + c];
            }
        }

        public void AdamStep(float[] g, float[] m, float[] v, float[] p, int n, float gradScale, float learningRate, float beta1, float beta2,
            float c1, float c2, float epsilon)
        {
            float oneMinusBeta1 = 1f - beta1, oneMinusBeta2 = 1f - beta2;
            for (int j = 0; j < n; j++)
            {
                float gj = g[j] * gradScale;
                m[j] = beta1 * m[j] + oneMinusBeta1 * gj;
                v[j] = beta2 * v[j] + oneMinusBeta2 * gj * gj;
                p[j] -= learningRate * (m[j] / c1) / ((float)System.Math.Sqrt(v[j] / c2) + epsilon);
            }
        }

        public float CrossEntropy(float[] logits, int n, int target, float[] dlogits, float scale)
        {
            float max, sum;
            SoftmaxInto(logits, 0, dlogits, 0, n, out max, out sum);
            for (int i = 0; i < n; i++) dlogits[i] = dlogits[i] * scale;
            dlogits[target] -= scale;
            return (float)(System.Math.Log(sum) + max - logits[target]);
        }

        public float SoftCrossEntropy(float[] logits, int n, float[] p, int pOff, float[] dlogits, float scale)
        {
            float max, sum;
            SoftmaxInto(logits, 0, dlogits, 0, n, out max, out sum);
            float logSum = (float)System.Math.Log(sum) + max, kl = 0f;
            for (int i = 0; i < n; i++)
            {
                float pi = p[pOff + i];
                if (pi > 0f) kl += pi * ((float)System.Math.Log(pi) - (logits[i] - logSum));
                dlogits[i] = (dlogits[i] - pi) * scale;
            }
            return kl;
        }

        /// <summary>
        /// dst[dstOff..+n) = softmax(src[srcOff..+n)) (dst may be src, in place), with the max it subtracted and the sum of
        /// exponentials it divided by: <see cref="Softmax"/>, and the losses' softmax over the vocabulary.
        /// </summary>
        private static void SoftmaxInto(float[] src, int srcOff, float[] dst, int dstOff, int n, out float max, out float sum)
        {
            max = src[srcOff];
            for (int i = 1; i < n; i++) if (src[srcOff + i] > max) max = src[srcOff + i];
            sum = 0f;
            for (int i = 0; i < n; i++)
            {
                float e = (float)System.Math.Exp(src[srcOff + i] - max);
                dst[dstOff + i] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int i = 0; i < n; i++) dst[dstOff + i] *= inv;
        }

        public void RmsNormBackward(float[] x, int xOff, float[] w, float[] dy, int dyOff, float[] dx, int dxOff, float[] dw, int n, float eps)
        {
            float ss = 0f;
            for (int i = 0; i < n; i++) ss += x[xOff + i] * x[xOff + i];
            float ms = ss / n + eps;
            float inv = 1f / (float)System.Math.Sqrt(ms);
            float dot = 0f;
            for (int i = 0; i < n; i++) dot += w[i] * dy[dyOff + i] * x[xOff + i];
            float k = dot * inv * inv * inv / n;
            for (int i = 0; i < n; i++) dx[dxOff + i] += w[i] * dy[dyOff + i] * inv - x[xOff + i] * k;
            if (dw != null)
                for (int i = 0; i < n; i++) dw[i] += dy[dyOff + i] * x[xOff + i] * inv;
        }

        public void GatedActivationBackward(float[] g, int gOff, float[] u, int uOff, float[] dh, float[] dg, float[] du, int n, int activation)
        {
            for (int i = 0; i < n; i++)
            {
                float a, da;
                FfnActivation.WithSlope(g[gOff + i], activation, out a, out da);
                du[i] = dh[i] * a;
                dg[i] = dh[i] * u[uOff + i] * da;
            }
        }

        public void ActivationL1Backward(float[] g, int gOff, float[] dg, int n, int activation, float lambda)
        {
            for (int i = 0; i < n; i++)
            {
                float a, da;
                FfnActivation.WithSlope(g[gOff + i], activation, out a, out da);
                // d|act(z)|/dz = sign(act(z)) · act'(z); sign(silu(z)) = sign(z), and relu is 0 or positive.
                if (a > 0f) dg[i] += lambda * da;
                else if (a < 0f) dg[i] -= lambda * da;
            }
        }

        public void SoftmaxBackward(float[] p, int pOff, float[] dp, int dpOff, int n, float divisor)
        {
            float dot = 0f;
            for (int i = 0; i < n; i++) dot += p[pOff + i] * dp[dpOff + i];
            // (p · (dp − dot)) rounded, then divided: the two steps of the loops this replaced, bit for bit.
            for (int i = 0; i < n; i++) dp[dpOff + i] = p[pOff + i] * (dp[dpOff + i] - dot) / divisor;
        }

        public void RopeInverse(float[] cos, float[] sin, float[] v, int vOff, int length, int headSize)
        {
            Model.Rope.RotateInverse(v, vOff, length, headSize, cos, sin);
        }

        public float SumOfSquares(float[] x, int xOff, int n, float sum)
        {
            for (int i = 0; i < n; i++) sum += x[xOff + i] * x[xOff + i];
            return sum;
        }
    }
}
