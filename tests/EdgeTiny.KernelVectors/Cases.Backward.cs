namespace EdgeTiny.KernelVectors;

/// <summary>
/// Cases of tuning's element-wise backward kernels (which field holds which argument: VectorCase). Several outputs go
/// one after the other in Y (as AdamStep's), a returned loss in the element after dlogits. Magnitudes: the sum of
/// |terms| of each output (so cancellations, as at the target's dlogit, are judged against what was cancelled).
/// </summary>
public sealed partial class Cases
{
    /// <summary>Cross-entropy of n logits at target: X = logits, Rows = target, Cols = n, Scalar = scale; Y = dlogits | loss.</summary>
    public void CrossEntropy(int n, int target, float spread, float scale)
    {
        VectorCase c = New(Kind.CrossEntropy, $"cross entropy {n} target {target} spread {spread}");
        c.Rows = target; c.Cols = n; c.Scalar = scale;
        float[] logits = Vector(n);
        for (int i = 0; i < n; i++) logits[i] *= spread;
        c.X = Padded(0, logits, _rng.Next(0, 3));
        c.Y0 = Padded(0, Vector(n + 1), _rng.Next(0, 3));
        c.Expected = (float[])c.Y0.Clone();
        c.Expected[n] = _ref.CrossEntropy(c.X, n, target, c.Expected, scale);
        c.Magnitude = new float[c.Y0.Length];
        for (int i = 0; i < n; i++) c.Magnitude[i] = Math.Abs(c.Expected[i]) + (i == target ? Math.Abs(scale) : 0f) + 1e-30f;
        c.Magnitude[n] = Math.Abs(c.Expected[n]) + Math.Abs(logits.Max()) + Math.Abs(logits[target]) + 1e-30f;
        All.Add(c);
    }

    /// <summary>KL to a target distribution: X = logits, C = p at COff, Cols = n, Scalar = scale; Y = dlogits | loss.</summary>
    public void SoftCrossEntropy(int n, float spread, float scale, bool withZeros)
    {
        VectorCase c = New(Kind.SoftCrossEntropy, $"soft cross entropy {n} spread {spread}{(withZeros ? " zeros" : "")}");
        c.Cols = n; c.Scalar = scale; c.COff = Offset();
        float[] logits = Vector(n), p = Vector(n);
        for (int i = 0; i < n; i++) logits[i] *= spread;
        _ref.Softmax(p, 0, n);
        if (withZeros) for (int i = 0; i < n; i += 3) p[i] = 0f;
        c.X = Padded(0, logits, _rng.Next(0, 3));
        c.C = Padded(c.COff, p, _rng.Next(0, 3));
        c.Y0 = Padded(0, Vector(n + 1), _rng.Next(0, 3));
        c.Expected = (float[])c.Y0.Clone();
        c.Expected[n] = _ref.SoftCrossEntropy(c.X, n, c.C, c.COff, c.Expected, scale);
        c.Magnitude = new float[c.Y0.Length];
        double logSum = Math.Log(logits.Sum(v => Math.Exp(v)));
        double kl = 0;
        for (int i = 0; i < n; i++)
        {
            c.Magnitude[i] = Math.Abs(c.Expected[i]) + 2 * Math.Abs(p[i] * scale) + 1e-30f;
            if (p[i] > 0f) kl += p[i] * (Math.Abs(Math.Log(p[i])) + Math.Abs(logits[i]) + Math.Abs(logSum));
        }
        c.Magnitude[n] = (float)kl + 1e-30f;
        All.Add(c);
    }

    /// <summary>
    /// RMSNorm backward: X = x at XOff, C = w (at 0), Act = dy at ActOff, Scalar = eps, Cols = n, Rows = 1 with dw;
    /// Y = dx (at YOff, accumulated, Stride long) | dw (n, accumulated, then sentinels).
    /// </summary>
    public void RmsNormBackward(int n, float eps, bool withDw)
    {
        VectorCase c = New(Kind.RmsNormBackward, $"rmsnorm backward {n} eps {eps}{(withDw ? " dw" : "")}");
        c.Cols = n; c.Rows = withDw ? 1 : 0; c.Scalar = eps; c.XOff = Offset(); c.ActOff = Offset(); c.YOff = Offset();
        float[] x = Vector(n), w = Vector(n), dy = Vector(n);
        c.X = Padded(c.XOff, x, _rng.Next(0, 3));
        c.C = Padded(0, w, _rng.Next(0, 3));
        c.Act = Padded(c.ActOff, dy, _rng.Next(0, 3));
        float[] dx = Padded(c.YOff, Vector(n), _rng.Next(0, 3)), dw = Padded(0, Vector(n), _rng.Next(0, 3));
        c.Stride = dx.Length;
        c.Y0 = [.. dx, .. dw];
        float[] ex = (float[])dx.Clone(), ew = (float[])dw.Clone();
        _ref.RmsNormBackward(c.X, c.XOff, c.C, c.Act, c.ActOff, ex, c.YOff, withDw ? ew : null, n, eps);
        c.Expected = [.. ex, .. ew];
        c.Magnitude = new float[c.Y0.Length];
        double inv = 1 / Math.Sqrt(x.Sum(v => (double)v * v) / n + eps);
        double dot = Enumerable.Range(0, n).Sum(i => Math.Abs((double)w[i] * dy[i] * x[i]));
        for (int i = 0; i < n; i++)
        {
            c.Magnitude[c.YOff + i] = (float)(Math.Abs(dx[c.YOff + i]) + Math.Abs(w[i] * dy[i] * inv) + Math.Abs(x[i]) * dot * inv * inv * inv / n) + 1e-30f;
            if (withDw) c.Magnitude[c.Stride + i] = (float)(Math.Abs(dw[i]) + Math.Abs(dy[i] * x[i] * inv)) + 1e-30f;
        }
        All.Add(c);
    }

    /// <summary>
    /// Gated activation backward: X = g at XOff, C = u at COff, Act = dh (at 0), Cols = n, Activation;
    /// Y = dg (n + sentinels, Stride long) | du (n + sentinels), overwritten.
    /// </summary>
    public void GatedActivationBackward(int n, int activation)
    {
        VectorCase c = New(Kind.GatedActivationBackward, $"gated activation backward {n} act {activation}");
        c.Cols = n; c.Activation = activation; c.XOff = Offset(); c.COff = Offset();
        float[] g = Vector(n);
        for (int i = 0; i < n; i++) g[i] *= 3f;
        c.X = Padded(c.XOff, g, _rng.Next(0, 3));
        c.C = Padded(c.COff, Vector(n), _rng.Next(0, 3));
        c.Act = Padded(0, Vector(n), _rng.Next(0, 3));
        float[] dg = Padded(0, Vector(n), _rng.Next(0, 3)), du = Padded(0, Vector(n), _rng.Next(0, 3));
        c.Stride = dg.Length;
        c.Y0 = [.. dg, .. du];
        float[] eg = (float[])dg.Clone(), eu = (float[])du.Clone();
        _ref.GatedActivationBackward(c.X, c.XOff, c.C, c.COff, c.Act, eg, eu, n, activation);
        c.Expected = [.. eg, .. eu];
        c.Magnitude = new float[c.Y0.Length];
        for (int i = 0; i < n; i++)
        {
            c.Magnitude[i] = Math.Abs(eg[i]) + 1e-30f;
            c.Magnitude[c.Stride + i] = Math.Abs(eu[i]) + 1e-30f;
        }
        All.Add(c);
    }

    /// <summary>L1 penalty's gradient: X = g at XOff, Y = dg (at 0, accumulated), Cols = n, Scalar = lambda, Activation.</summary>
    public void ActivationL1Backward(int n, int activation, float lambda)
    {
        VectorCase c = New(Kind.ActivationL1Backward, $"activation l1 backward {n} act {activation}");
        c.Cols = n; c.Activation = activation; c.Scalar = lambda; c.XOff = Offset();
        float[] g = Vector(n);
        for (int i = 0; i < n; i += 7) g[i] = 0f;
        c.X = Padded(c.XOff, g, _rng.Next(0, 3));
        Output(c, n, zeroOffset: true);
        _ref.ActivationL1Backward(c.X, c.XOff, c.Expected, n, activation, lambda);
        for (int i = 0; i < n; i++) c.Magnitude[i] = Math.Abs(c.Y0[i]) + Math.Abs(lambda) * 1.2f + 1e-30f;
        All.Add(c);
    }

    /// <summary>Softmax backward: X = p at XOff, Y = dp at YOff (in place), Cols = n, Scalar = divisor.</summary>
    public void SoftmaxBackward(int n, float divisor)
    {
        VectorCase c = New(Kind.SoftmaxBackward, $"softmax backward {n} divisor {divisor}");
        c.Cols = n; c.Scalar = divisor; c.XOff = Offset();
        float[] p = Vector(n);
        if (n > 0) _ref.Softmax(p, 0, n);
        c.X = Padded(c.XOff, p, _rng.Next(0, 3));
        Output(c, n);
        _ref.SoftmaxBackward(c.X, c.XOff, c.Expected, c.YOff, n, divisor);
        double dot = Enumerable.Range(0, n).Sum(i => Math.Abs((double)p[i] * c.Y0[c.YOff + i]));
        for (int i = 0; i < n; i++)
            c.Magnitude[c.YOff + i] = (float)(p[i] * (Math.Abs(c.Y0[c.YOff + i]) + dot) / Math.Abs(divisor)) + 1e-30f;
        All.Add(c);
    }

    /// <summary>The gradient norm's running sum of squares: X = x at XOff, Cols = n, Scalar = sum so far; result in Y[YOff].</summary>
    public void SumOfSquares(int n, float sum)
    {
        VectorCase c = New(Kind.SumOfSquares, $"sum of squares {n} from {sum}");
        c.Cols = n; c.Scalar = sum; c.XOff = Offset();
        float[] x = Vector(n);
        c.X = Padded(c.XOff, x, _rng.Next(0, 3));
        Output(c, 1);
        c.Expected[c.YOff] = _ref.SumOfSquares(c.X, c.XOff, n, sum);
        c.Magnitude[c.YOff] = Math.Abs(sum) + x.Sum(v => v * v) + 1e-30f;
        All.Add(c);
    }
}
