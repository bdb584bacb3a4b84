namespace EdgeTiny.Converter.Analysis;

/// <summary>Comparing logit rows: log-softmax, KL divergence, top-1 agreement, cross-entropy — in double precision.</summary>
public static class LogitMetrics
{
    /// <summary>Log-probabilities of each row of <paramref name="logits"/> (rows × vocab).</summary>
    public static float[] LogSoftmax(float[] logits, int vocab)
    {
        var output = new float[logits.Length];
        for (int at = 0; at < logits.Length; at += vocab) LogSoftmaxRow(logits.AsSpan(at, vocab), output.AsSpan(at, vocab));
        return output;
    }

    /// <summary>Log-probabilities of one row, as floats (what <see cref="LogSoftmax"/> stores).</summary>
    public static void LogSoftmaxRow(ReadOnlySpan<float> logits, Span<float> output)
    {
        double log = LogSumExp(logits);
        for (int i = 0; i < logits.Length; i++) output[i] = (float)(logits[i] - log);
    }

    /// <summary>
    /// Σ over rows of KL(p ‖ q), given p's log-probabilities and q's raw logits (the rows p has; <paramref name="logits"/>
    /// may be longer). Row by row, without a copy: the same float log-probabilities <see cref="LogSoftmax"/> gives.
    /// </summary>
    public static double KlSum(float[] referenceLogProbs, float[] logits, int vocab)
    {
        double kl = 0;
        for (int at = 0; at < referenceLogProbs.Length; at += vocab) AddKl(referenceLogProbs.AsSpan(at, vocab), logits.AsSpan(at, vocab), ref kl);
        return kl;
    }

    /// <summary>
    /// Adds one row's KL(p ‖ q) to <paramref name="kl"/> term by term (a running sum, so rows streamed one at a time
    /// give the same double as <see cref="KlSum"/> over a buffer of them).
    /// </summary>
    public static void AddKl(ReadOnlySpan<float> referenceLogProbs, ReadOnlySpan<float> logits, ref double kl)
    {
        double log = LogSumExp(logits);
        for (int i = 0; i < referenceLogProbs.Length; i++)
        {
            double lp = referenceLogProbs[i];
            kl += Math.Exp(lp) * (lp - (float)(logits[i] - log));
        }
    }

    private static double LogSumExp(ReadOnlySpan<float> row)
    {
        double max = double.NegativeInfinity;
        foreach (float v in row) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in row) sum += Math.Exp(v - max);
        return Math.Log(sum) + max;
    }

    /// <summary>Rows where both logit sets have the same arg-max.</summary>
    public static int Top1Agreements(float[] a, float[] b, int vocab)
    {
        int agree = 0;
        for (int at = 0; at < a.Length; at += vocab)
            if (ArgMax(a.AsSpan(at, vocab)) == ArgMax(b.AsSpan(at, vocab))) agree++;
        return agree;
    }

    /// <summary>Σ −log p(next token) over positions 0..T-2 (position t predicts token t+1).</summary>
    public static double NextTokenLoss(float[] logits, int[] tokens, int vocab)
    {
        float[] lp = LogSoftmax(logits, vocab);
        double loss = 0;
        for (int t = 0; t + 1 < tokens.Length; t++) loss -= lp[t * vocab + tokens[t + 1]];
        return loss;
    }

    public static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
