using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Runtime.Training
{
    /// <summary>
    /// Backward passes of the ops of a Llama block, as plain loops. Each takes the forward inputs and the gradient of
    /// the output and adds (never overwrites) into the input gradient unless stated. Tests check every one against
    /// finite differences.
    /// </summary>
    public static class Backward
    {
        /// <summary>
        /// y = w ⊙ x / rms(x), rms = sqrt(mean(x²) + eps). dx += (w ⊙ dy)/rms − x · Σ(w ⊙ dy ⊙ x) / (n · rms³).
        /// </summary>
        public static void RmsNorm(float[] x, int xOff, float[] w, float[] dy, int dyOff, float[] dx, int dxOff, int n, float eps)
        {
            RmsNorm(x, xOff, w, dy, dyOff, dx, dxOff, null, n, eps);
        }

        /// <summary>As above, and when <paramref name="dw"/> is not null also dw += dy ⊙ x / rms (the weight's gradient).</summary>
        public static void RmsNorm(float[] x, int xOff, float[] w, float[] dy, int dyOff, float[] dx, int dxOff, float[] dw, int n, float eps)
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

        /// <summary>
        /// hb = act(g) · u (<see cref="FfnActivation"/>). Writes dg and du (overwriting) from dhb.
        /// </summary>
        public static void GatedActivation(float[] g, int gOff, float[] u, int uOff, float[] dhb, float[] dg, float[] du, int n, int activation)
        {
            for (int i = 0; i < n; i++)
            {
                float z = g[gOff + i];
                float a, da;
                FfnActivation.WithSlope(z, activation, out a, out da);
                du[i] = dhb[i] * a;
                dg[i] = dhb[i] * u[uOff + i] * da;
            }
        }

        /// <summary>Adds λ · d|act(z)|/dz to dg: the gradient of an L1 penalty on the gate activations (ProSparse).</summary>
        public static void AddActivationL1(float[] g, int gOff, float[] dg, int n, int activation, float lambda)
        {
            for (int i = 0; i < n; i++)
            {
                float z = g[gOff + i], a, da;
                FfnActivation.WithSlope(z, activation, out a, out da);
                // d|act(z)|/dz = sign(act(z)) · act'(z); sign(silu(z)) = sign(z), and relu is 0 or positive.
                if (a > 0f) dg[i] += lambda * da;
                else if (a < 0f) dg[i] -= lambda * da;
            }
        }

        /// <summary>In place: dp (the gradient w.r.t. softmax outputs p) becomes the gradient w.r.t. its inputs: p ⊙ (dp − Σ p·dp).</summary>
        public static void Softmax(float[] p, int pOff, float[] dp, int dpOff, int n)
        {
            float dot = 0f;
            for (int i = 0; i < n; i++) dot += p[pOff + i] * dp[dpOff + i];
            for (int i = 0; i < n; i++) dp[dpOff + i] = p[pOff + i] * (dp[dpOff + i] - dot);
        }

        /// <summary>
        /// KL(p ‖ softmax(logits)) against a target distribution p[pOff..pOff+n) (distillation: p is what the base model
        /// predicted). Writes dlogits = scale · (softmax − p) and returns the KL divergence (0 when the two agree).
        /// </summary>
        public static float SoftCrossEntropy(float[] logits, int n, float[] p, int pOff, float[] dlogits, float scale)
        {
            float max, sum;
            Softmax(logits, n, dlogits, out max, out sum);
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
        /// Cross-entropy −log softmax(logits)[target]; writes dlogits = scale · (softmax − onehot(target)) and returns the loss.
        /// </summary>
        public static float CrossEntropy(float[] logits, int n, int target, float[] dlogits, float scale)
        {
            float max, sum;
            Softmax(logits, n, dlogits, out max, out sum);
            for (int i = 0; i < n; i++) dlogits[i] = dlogits[i] * scale;
            dlogits[target] -= scale;
            return (float)(System.Math.Log(sum) + max - logits[target]);
        }

        /// <summary>probs = softmax(logits[0..n)), with the max it subtracted and the sum of exponentials it divided by.</summary>
        private static void Softmax(float[] logits, int n, float[] probs, out float max, out float sum)
        {
            max = logits[0];
            for (int i = 1; i < n; i++) if (logits[i] > max) max = logits[i];
            sum = 0f;
            for (int i = 0; i < n; i++)
            {
                float e = (float)System.Math.Exp(logits[i] - max);
                probs[i] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int i = 0; i < n; i++) probs[i] *= inv;
        }
    }
}
