namespace EdgeTiny.LlamaCpp;

/// <summary>How far two sets of logits (positions × vocab) are apart: largest absolute and relative difference, mean KL.</summary>
public sealed record LogitAgreement(double MaxAbs, double MaxRelative, double MeanKl, int Positions, int Top1Agreements)
{
    /// <summary>Compares <paramref name="ours"/> with the reference <paramref name="theirs"/>; KL is KL(theirs ‖ ours) per position.</summary>
    public static LogitAgreement Of(IReadOnlyList<float[]> theirs, IReadOnlyList<float[]> ours)
    {
        double maxAbs = 0, maxRel = 0, kl = 0;
        int top1 = 0;
        for (int p = 0; p < theirs.Count; p++)
        {
            float[] a = theirs[p], b = ours[p];
            double scale = a.Max(v => Math.Abs((double)v));
            for (int v = 0; v < a.Length; v++)
            {
                double d = Math.Abs(a[v] - b[v]);
                maxAbs = Math.Max(maxAbs, d);
                maxRel = Math.Max(maxRel, d / Math.Max(scale, 1e-6));
            }
            kl += Kl(a, b);
            if (ArgMax(a) == ArgMax(b)) top1++;
        }
        return new LogitAgreement(maxAbs, maxRel, kl / theirs.Count, theirs.Count, top1);
    }

    private static double Kl(float[] p, float[] q)
    {
        double[] lp = LogSoftmax(p), lq = LogSoftmax(q);
        double s = 0;
        for (int i = 0; i < p.Length; i++) s += Math.Exp(lp[i]) * (lp[i] - lq[i]);
        return Math.Max(0, s);
    }

    private static double[] LogSoftmax(float[] x)
    {
        double max = x.Max();
        double sum = x.Sum(v => Math.Exp(v - max));
        double log = max + Math.Log(sum);
        return x.Select(v => v - log).ToArray();
    }

    public static int ArgMax(float[] v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
