namespace EdgeTiny.Runtime.Tests;

/// <summary>Double-precision reference math for comparing logit vectors.</summary>
public static class Sampling
{
    public static int ArgMax(float[] v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    public static double[] LogSoftmax(float[] logits)
    {
        double max = logits.Max();
        double sum = logits.Sum(l => Math.Exp(l - max));
        double log = Math.Log(sum) + max;
        return logits.Select(l => l - log).ToArray();
    }

    /// <summary>KL(p ‖ q) in nats between the distributions of two logit vectors.</summary>
    public static double KlDivergence(float[] pLogits, float[] qLogits)
    {
        double[] lp = LogSoftmax(pLogits), lq = LogSoftmax(qLogits);
        double kl = 0;
        for (int i = 0; i < lp.Length; i++) kl += Math.Exp(lp[i]) * (lp[i] - lq[i]);
        return kl;
    }
}
