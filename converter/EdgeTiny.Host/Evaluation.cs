using EdgeTiny.Converter.Analysis;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Host;

/// <summary>Quality of a model on token sequences, measured with the runtime itself (teacher forcing).</summary>
public sealed record EvalResult(int Positions, double LossNatsPerToken, double? Kl, double? Top1Agreement, double? ReferenceLossNatsPerToken)
{
    public double Perplexity => Math.Exp(LossNatsPerToken);
    public double? ReferencePerplexity => ReferenceLossNatsPerToken is double l ? Math.Exp(l) : null;
}

public static class Evaluation
{
    /// <summary>
    /// Feeds every sequence through <paramref name="model"/> (and <paramref name="reference"/> when given) position by
    /// position; reports the next-token loss, and against the reference the mean KL(reference ‖ model) and top-1 agreement.
    /// </summary>
    public static EvalResult Run(Transformer model, Transformer? reference, TokenSequences sequences, ForwardHooks? hooks = null)
    {
        int vocab = model.Config.VocabSize;
        double loss = 0, refLoss = 0, kl = 0;
        int positions = 0, predicted = 0, agree = 0;
        foreach (int[] seq in sequences.Sequences)
        {
            int n = Math.Min(seq.Length, model.ContextLength);
            if (reference is not null) n = Math.Min(n, reference.ContextLength);
            for (int p = 0; p < n; p++)
            {
                float[] logits = (float[])model.Forward(seq[p], p, hooks ?? ForwardHooks.None).Clone();
                float[] lp = LogitMetrics.LogSoftmax(logits, vocab);
                if (p + 1 < n)
                {
                    loss -= lp[seq[p + 1]];
                    predicted++;
                }
                if (reference is not null)
                {
                    float[] r = reference.Forward(seq[p], p);
                    float[] lr = LogitMetrics.LogSoftmax(r, vocab);
                    for (int v = 0; v < vocab; v++) kl += Math.Exp(lr[v]) * (lr[v] - lp[v]);
                    if (LogitMetrics.ArgMax(r) == LogitMetrics.ArgMax(logits)) agree++;
                    if (p + 1 < n) refLoss -= lr[seq[p + 1]];
                }
                positions++;
            }
        }
        return new EvalResult(positions, loss / Math.Max(1, predicted),
            reference is null ? null : kl / positions, reference is null ? null : (double)agree / positions,
            reference is null ? null : refLoss / Math.Max(1, predicted));
    }
}
