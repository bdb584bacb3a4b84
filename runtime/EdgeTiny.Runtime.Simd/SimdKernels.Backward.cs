namespace EdgeTiny.Runtime.Simd;

// The backward passes of tuning's element-wise ops (loss over the vocabulary, RMSNorm, the gated activation, softmax,
// RoPE): the portable reference loops. They are a few operations per element, small beside the products on a desktop,
// and running the reference keeps adapters tuned here the bytes a board tunes (their exp, log and sqrt, and the order
// of their sums, would change under vectors).
public sealed unsafe partial class SimdKernels
{
    public float CrossEntropy(float[] logits, int n, int target, float[] dlogits, float scale) =>
        _portable.CrossEntropy(logits, n, target, dlogits, scale);

    public float SoftCrossEntropy(float[] logits, int n, float[] p, int pOff, float[] dlogits, float scale) =>
        _portable.SoftCrossEntropy(logits, n, p, pOff, dlogits, scale);

    public void RmsNormBackward(float[] x, int xOff, float[] w, float[] dy, int dyOff, float[] dx, int dxOff, float[] dw, int n, float eps) =>
        _portable.RmsNormBackward(x, xOff, w, dy, dyOff, dx, dxOff, dw, n, eps);

    public void GatedActivationBackward(float[] g, int gOff, float[] u, int uOff, float[] dh, float[] dg, float[] du, int n, int activation) =>
        _portable.GatedActivationBackward(g, gOff, u, uOff, dh, dg, du, n, activation);

    public void ActivationL1Backward(float[] g, int gOff, float[] dg, int n, int activation, float lambda) =>
        _portable.ActivationL1Backward(g, gOff, dg, n, activation, lambda);

    public void SoftmaxBackward(float[] p, int pOff, float[] dp, int dpOff, int n, float divisor) =>
        _portable.SoftmaxBackward(p, pOff, dp, dpOff, n, divisor);

    public void RopeInverse(float[] cos, float[] sin, float[] v, int vOff, int length, int headSize) =>
        _portable.RopeInverse(cos, sin, v, vOff, length, headSize);

    // A running sum in index order, so the gradient norm (and the clipping it decides) is the board's to the bit.
    public float SumOfSquares(float[] x, int xOff, int n, float sum) => _portable.SumOfSquares(x, xOff, n, sum);
}
