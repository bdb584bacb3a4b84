using EdgeTiny.Converter.Quantization;
using EdgeTiny.Runtime.Format;

namespace EdgeTiny.KernelVectors;

/// <summary>
/// Cases of the float, per-vector, attention and transposed kernels (which field holds which argument: VectorCase).
/// Magnitudes: the sum of |terms| of each output for the products; |expected| (relative tolerance) for the element-wise
/// kernels, whose terms are not sums.
/// </summary>
public sealed partial class Cases
{
    private VectorCase New(Kind kind, string name) => new() { Kind = kind, Name = name };

    /// <summary>The output array: random sentinels around <paramref name="n"/> elements at YOff (overwritten or accumulated).</summary>
    private void Output(VectorCase c, int n, bool zeroOffset = false)
    {
        c.YOff = zeroOffset ? 0 : Offset();
        c.Y0 = Padded(c.YOff, Vector(n), _rng.Next(0, 3));
        c.Expected = (float[])c.Y0.Clone();
        c.Magnitude = new float[c.Y0.Length];
    }

    private void Relative(VectorCase c, int n)
    {
        for (int i = 0; i < n; i++) c.Magnitude[c.YOff + i] = Math.Abs(c.Expected[c.YOff + i]);
    }

    private float[] Scales(int n)
    {
        var s = new float[n];
        for (int i = 0; i < n; i++) s[i] = (float)(_rng.NextDouble() * 0.05 + 0.001);
        return s;
    }

    private byte[] Int8(int n)
    {
        var b = new byte[n];
        _rng.NextBytes(b); // every code, -128 included
        return b;
    }

    public void MatVecF32(int rows, int cols)
    {
        VectorCase c = New(Kind.MatVecF32, $"matvec f32 {rows}x{cols}");
        c.Rows = rows; c.Cols = cols; c.COff = Offset(); c.XOff = Offset();
        float[] w = Weights(rows * cols), x = Vector(cols);
        c.C = Padded(c.COff, w, _rng.Next(0, 3));
        c.X = Padded(c.XOff, x, _rng.Next(0, 3));
        Output(c, rows);
        _ref.MatVecF32(c.C, c.COff, c.X, c.XOff, c.Expected, c.YOff, rows, cols);
        for (int r = 0; r < rows; r++)
            c.Magnitude[c.YOff + r] = (float)Enumerable.Range(0, cols).Sum(i => Math.Abs((double)w[r * cols + i] * x[i]));
        All.Add(c);
    }

    /// <summary>dx += Wᵀ dy over f32, Codec.Q (bits) or Codec.SparseQ (bits, kept) rows; some dy exactly 0 (rows skipped).</summary>
    public void Transposed(int codec, int bits, int kept, int rows, int cols, int groupSize)
    {
        Kind kind = codec == Codec.F32 ? Kind.MatTVecF32 : codec == Codec.Q ? Kind.MatTVecQ : Kind.MatTVecSparseQ;
        VectorCase c = New(kind, $"transposed {(codec == Codec.F32 ? "f32" : codec == Codec.Q ? "q" + bits : $"sparse q{bits} kept {kept}")} {rows}x{cols} group {groupSize}");
        c.Rows = rows; c.Cols = cols; c.Bits = bits; c.Kept = kept; c.GroupSize = groupSize; c.Codec = codec; c.XOff = Offset();
        float[] dy = Vector(rows);
        for (int r = 0; r < rows; r++) if (_rng.Next(4) == 0) dy[r] = _rng.Next(2) == 0 ? 0f : -0f;
        c.X = Padded(c.XOff, dy, _rng.Next(0, 3));
        Output(c, cols);
        float[] w; // decoded weights, for the magnitudes
        if (codec == Codec.F32)
        {
            w = Weights(rows * cols);
            c.COff = Offset();
            c.C = Padded(c.COff, w, _rng.Next(0, 3));
            _ref.MatTVecF32(c.C, c.COff, c.X, c.XOff, c.Expected, c.YOff, rows, cols);
        }
        else
        {
            int param = codec == Codec.Q ? bits : Codec.SparseParam(bits, kept);
            byte[] payload = RawPayload(codec, param, rows, cols, groupSize);
            c.WOff = Offset();
            c.W = PaddedBytes(c.WOff, payload, _rng.Next(0, 4));
            if (codec == Codec.Q) _ref.MatTVecQ(c.W, c.WOff, c.X, c.XOff, c.Expected, c.YOff, rows, cols, bits, groupSize);
            else _ref.MatTVecSparseQ(c.W, c.WOff, c.X, c.XOff, c.Expected, c.YOff, rows, cols, bits, kept, groupSize);
            w = new float[rows * cols];
            int rowBytes = Codec.RowBytes(codec, param, cols, groupSize);
            for (int r = 0; r < rows; r++) PackedValues.DecodeRow(payload, r * rowBytes, codec, param, cols, groupSize, w, r * cols);
        }
        for (int col = 0; col < cols; col++)
        {
            double m = Math.Abs(c.Y0[c.YOff + col]);
            bool touched = false;
            for (int r = 0; r < rows; r++)
            {
                if (dy[r] == 0f) continue;
                touched = true;
                m += Math.Abs((double)dy[r] * w[r * cols + col]);
            }
            c.Magnitude[c.YOff + col] = touched ? (float)m : 0f; // no live row: dx[c] must come back bit for bit
        }
        All.Add(c);
    }

    public void RmsNorm(int size, float eps)
    {
        VectorCase c = New(Kind.RmsNorm, $"rmsnorm {size} eps {eps}");
        c.Cols = size; c.Scalar = eps; c.COff = Offset();
        c.X = Padded(0, Vector(size), _rng.Next(0, 3));
        c.C = Padded(c.COff, Vector(size), _rng.Next(0, 3));
        Output(c, size, zeroOffset: true);
        _ref.RmsNorm(c.X, c.C, c.COff, c.Expected, size, eps);
        Relative(c, size);
        All.Add(c);
    }

    public void Softmax(int size, float spread)
    {
        VectorCase c = New(Kind.Softmax, $"softmax {size} spread {spread}");
        c.Cols = size;
        Output(c, size);
        for (int i = 0; i < size; i++) c.Y0[c.YOff + i] *= spread;
        c.Expected = (float[])c.Y0.Clone();
        _ref.Softmax(c.Expected, c.YOff, size);
        Relative(c, size);
        All.Add(c);
    }

    /// <summary>RoPE, or with <paramref name="inverse"/> its backward (the rotation by the opposite angle).</summary>
    public void Rope(int length, int headSize, bool inverse = false)
    {
        VectorCase c = New(inverse ? Kind.RopeInverse : Kind.Rope, $"rope{(inverse ? " inverse" : "")} {length} head {headSize}");
        c.Cols = length; c.Stride = headSize;
        int half = headSize / 2;
        var cos = new float[half];
        var sin = new float[half];
        for (int i = 0; i < half; i++)
        {
            double angle = _rng.NextDouble() * 40;
            cos[i] = (float)Math.Cos(angle);
            sin[i] = (float)Math.Sin(angle);
        }
        c.X = Padded(0, cos, _rng.Next(0, 3));
        c.Act = Padded(0, sin, _rng.Next(0, 3));
        Output(c, length);
        if (inverse) _ref.RopeInverse(c.X, c.Act, c.Expected, c.YOff, length, headSize);
        else _ref.Rope(c.X, c.Act, c.Expected, c.YOff, length, headSize);
        for (int i = 0; i < length; i += 2)
        {
            int p = (i % headSize) / 2;
            float v0 = c.Y0[c.YOff + i], v1 = c.Y0[c.YOff + i + 1];
            c.Magnitude[c.YOff + i] = Math.Abs(v0 * cos[p]) + Math.Abs(v1 * sin[p]);
            c.Magnitude[c.YOff + i + 1] = Math.Abs(v0 * sin[p]) + Math.Abs(v1 * cos[p]);
        }
        All.Add(c);
    }

    /// <summary>Dot / DotQ8 (result in Y[YOff]) and Axpy / AxpyQ8, over n elements.</summary>
    public void Vectors(int n)
    {
        float alpha = Gaussian();
        float[] a = Vector(n), b = Vector(n);
        byte[] q = Int8(n);

        VectorCase dot = New(Kind.Dot, $"dot {n}");
        dot.Cols = n; dot.XOff = Offset(); dot.COff = Offset();
        dot.X = Padded(dot.XOff, a, 1); dot.C = Padded(dot.COff, b, 1);
        Output(dot, 1);
        dot.Expected[dot.YOff] = _ref.Dot(dot.X, dot.XOff, dot.C, dot.COff, n);
        dot.Magnitude[dot.YOff] = (float)Enumerable.Range(0, n).Sum(i => Math.Abs((double)a[i] * b[i])) + 1e-30f;
        All.Add(dot);

        VectorCase dotQ = New(Kind.DotQ8, $"dot q8 {n}");
        dotQ.Cols = n; dotQ.XOff = Offset(); dotQ.WOff = Offset();
        dotQ.X = Padded(dotQ.XOff, a, 1); dotQ.W = PaddedBytes(dotQ.WOff, q, 1);
        Output(dotQ, 1);
        dotQ.Expected[dotQ.YOff] = _ref.DotQ8(dotQ.X, dotQ.XOff, dotQ.W, dotQ.WOff, n);
        dotQ.Magnitude[dotQ.YOff] = (float)Enumerable.Range(0, n).Sum(i => Math.Abs((double)a[i] * (sbyte)q[i])) + 1e-30f;
        All.Add(dotQ);

        VectorCase axpy = New(Kind.Axpy, $"axpy {n}");
        axpy.Cols = n; axpy.Scalar = alpha; axpy.XOff = Offset();
        axpy.X = Padded(axpy.XOff, a, 1);
        Output(axpy, n);
        _ref.Axpy(alpha, axpy.X, axpy.XOff, axpy.Expected, axpy.YOff, n);
        for (int i = 0; i < n; i++) axpy.Magnitude[axpy.YOff + i] = Math.Abs(axpy.Y0[axpy.YOff + i]) + Math.Abs(alpha * a[i]);
        All.Add(axpy);

        VectorCase axpyQ = New(Kind.AxpyQ8, $"axpy q8 {n}");
        axpyQ.Cols = n; axpyQ.Scalar = alpha; axpyQ.WOff = Offset();
        axpyQ.W = PaddedBytes(axpyQ.WOff, q, 1);
        Output(axpyQ, n);
        _ref.AxpyQ8(alpha, axpyQ.W, axpyQ.WOff, axpyQ.Expected, axpyQ.YOff, n);
        for (int i = 0; i < n; i++) axpyQ.Magnitude[axpyQ.YOff + i] = Math.Abs(axpyQ.Y0[axpyQ.YOff + i]) + Math.Abs(alpha * (sbyte)q[i]);
        All.Add(axpyQ);
    }

    public void GatedActivation(int n, int activation)
    {
        VectorCase c = New(Kind.GatedActivation, $"gated activation {n} {(activation == 0 ? "silu" : "relu")}");
        c.Cols = n; c.Activation = activation;
        c.X = Padded(0, Vector(n), _rng.Next(0, 3));
        Output(c, n, zeroOffset: true);
        for (int i = 0; i < n; i++) c.Y0[i] *= 4; // gate values well into both tails of silu
        c.Expected = (float[])c.Y0.Clone();
        _ref.GatedActivation(c.Expected, c.X, n, activation);
        Relative(c, n);
        All.Add(c);
    }

    /// <summary>Scores and values of one head over count positions (float and int8 rows), rows stride apart.</summary>
    public void Attention(int count, int headSize, int stride, int scaleStride)
    {
        float scale = (float)Math.Sqrt(headSize);
        int span = count == 0 ? 0 : (count - 1) * stride + headSize, scaleSpan = count == 0 ? 0 : (count - 1) * scaleStride + 1;
        float[] q = Vector(headSize), keys = Vector(span), scales = Scales(Math.Max(scaleSpan, 1));
        float[] weights = new float[count];
        for (int s = 0; s < count; s++) weights[s] = (float)_rng.NextDouble();
        byte[] keys8 = Int8(span);
        string shape = $"{count} positions head {headSize} stride {stride}";

        VectorCase sc = New(Kind.AttentionScores, "attention scores " + shape);
        sc.Rows = count; sc.Cols = headSize; sc.Stride = stride; sc.Scalar = scale; sc.XOff = Offset(); sc.COff = Offset();
        sc.X = Padded(sc.XOff, q, 1); sc.C = Padded(sc.COff, keys, 2);
        Output(sc, count);
        _ref.AttentionScores(sc.X, sc.XOff, sc.C, sc.COff, sc.Expected, sc.YOff, count, headSize, stride, scale);
        for (int s = 0; s < count; s++)
            sc.Magnitude[sc.YOff + s] = (float)(Enumerable.Range(0, headSize).Sum(i => Math.Abs((double)q[i] * keys[s * stride + i])) / scale) + 1e-30f;
        All.Add(sc);

        VectorCase va = New(Kind.AttentionValues, "attention values " + shape);
        va.Rows = count; va.Cols = headSize; va.Stride = stride; va.ActOff = Offset(); va.COff = Offset();
        va.Act = Padded(va.ActOff, weights, 1); va.C = Padded(va.COff, keys, 2);
        Output(va, headSize);
        _ref.AttentionValues(va.Act, va.ActOff, va.C, va.COff, va.Expected, va.YOff, count, headSize, stride);
        for (int i = 0; i < headSize; i++)
            va.Magnitude[va.YOff + i] = (float)Enumerable.Range(0, count).Sum(s => Math.Abs((double)weights[s] * keys[s * stride + i])) + 1e-30f;
        All.Add(va);

        VectorCase sq = New(Kind.AttentionScoresQ8, "attention scores q8 " + shape + $" scale stride {scaleStride}");
        sq.Rows = count; sq.Cols = headSize; sq.Stride = stride; sq.ScaleStride = scaleStride; sq.Scalar = scale;
        sq.XOff = Offset(); sq.WOff = Offset(); sq.COff = Offset();
        sq.X = Padded(sq.XOff, q, 1); sq.W = PaddedBytes(sq.WOff, keys8, 2); sq.C = Padded(sq.COff, scales, 1);
        Output(sq, count);
        _ref.AttentionScoresQ8(sq.X, sq.XOff, sq.W, sq.WOff, sq.C, sq.COff, sq.Expected, sq.YOff, count, headSize, stride, scaleStride, scale);
        for (int s = 0; s < count; s++)
            sq.Magnitude[sq.YOff + s] = (float)(Enumerable.Range(0, headSize).Sum(i => Math.Abs((double)q[i] * (sbyte)keys8[s * stride + i]))
                * scales[s * scaleStride] / scale) + 1e-30f;
        All.Add(sq);

        VectorCase vq = New(Kind.AttentionValuesQ8, "attention values q8 " + shape + $" scale stride {scaleStride}");
        vq.Rows = count; vq.Cols = headSize; vq.Stride = stride; vq.ScaleStride = scaleStride;
        vq.ActOff = Offset(); vq.WOff = Offset(); vq.COff = Offset();
        vq.Act = Padded(vq.ActOff, weights, 1); vq.W = PaddedBytes(vq.WOff, keys8, 2); vq.C = Padded(vq.COff, scales, 1);
        Output(vq, headSize);
        _ref.AttentionValuesQ8(vq.Act, vq.ActOff, vq.W, vq.WOff, vq.C, vq.COff, vq.Expected, vq.YOff, count, headSize, stride, scaleStride);
        for (int i = 0; i < headSize; i++)
            vq.Magnitude[vq.YOff + i] = (float)Enumerable.Range(0, count).Sum(s => Math.Abs((double)weights[s] * scales[s * scaleStride] * (sbyte)keys8[s * stride + i])) + 1e-30f;
        All.Add(vq);
    }

    /// <summary>
    /// a += (alpha · x) yᵀ over rows × cols at YOff, row r at YOff + r·Stride (Y), x = X, y = C; some x exactly ±0 (rows
    /// that add zeros). Elements between rows (stride > cols) must stay.
    /// </summary>
    public void Ger(int rows, int cols, int stride)
    {
        VectorCase c = New(Kind.Ger, $"ger {rows}x{cols} stride {stride}");
        c.Rows = rows; c.Cols = cols; c.Stride = stride; c.Scalar = Gaussian(); c.XOff = Offset(); c.COff = Offset();
        float[] x = Vector(rows), y = Vector(cols);
        for (int r = 0; r < rows; r += 5) x[r] = r % 10 == 0 ? 0f : -0f;
        c.X = Padded(c.XOff, x, _rng.Next(0, 3));
        c.C = Padded(c.COff, y, _rng.Next(0, 3));
        Output(c, rows == 0 ? 0 : (rows - 1) * stride + cols);
        _ref.Ger(c.Scalar, c.X, c.XOff, c.C, c.COff, c.Expected, c.YOff, rows, cols, stride);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
                c.Magnitude[c.YOff + r * stride + j] = Math.Abs(c.Y0[c.YOff + r * stride + j]) + Math.Abs(c.Scalar * x[r] * y[j]) + 1e-30f;
        All.Add(c);
    }

    /// <summary>
    /// One Adam update of n parameters at bias-correction step <paramref name="step"/>: X = g; Y = m, v, p one after the
    /// other, each Stride long (elements past n must stay); Scalar = gradient scale; Act = learning rate, beta1, beta2,
    /// c1, c2, epsilon.
    /// </summary>
    public void AdamStep(int n, int step, float gradScale)
    {
        VectorCase c = New(Kind.AdamStep, $"adam {n} step {step} scale {gradScale}");
        int length = n + _rng.Next(0, 3);
        const float beta1 = 0.9f, beta2 = 0.999f;
        c.Cols = n; c.Stride = length; c.Scalar = gradScale;
        c.Act = [1e-3f, beta1, beta2, 1f - (float)Math.Pow(beta1, step), 1f - (float)Math.Pow(beta2, step), 1e-8f];
        c.X = Padded(0, Vector(n), length - n);
        float[] m = Padded(0, Vector(n), length - n), v = Padded(0, Vector(n), length - n), p = Padded(0, Vector(n), length - n);
        for (int i = 0; i < n; i++) { m[i] *= 0.05f; v[i] = v[i] * v[i] * 1e-3f; }
        c.Y0 = [.. m, .. v, .. p];
        c.Expected = (float[])c.Y0.Clone();
        float[] em = (float[])m.Clone(), ev = (float[])v.Clone(), ep = (float[])p.Clone();
        _ref.AdamStep(c.X, em, ev, ep, n, gradScale, c.Act[0], beta1, beta2, c.Act[3], c.Act[4], c.Act[5]);
        c.Expected = [.. em, .. ev, .. ep];
        c.Magnitude = new float[c.Y0.Length];
        for (int i = 0; i < n; i++)
        {
            float gj = c.X[i] * gradScale;
            c.Magnitude[i] = Math.Abs(beta1 * m[i]) + Math.Abs((1f - beta1) * gj) + 1e-30f;
            c.Magnitude[length + i] = Math.Abs(beta2 * v[i]) + Math.Abs((1f - beta2) * gj * gj) + 1e-30f;
            c.Magnitude[2 * length + i] = Math.Abs(p[i]) + Math.Abs(ep[i] - p[i]) + 1e-30f;
        }
        All.Add(c);
    }
}
