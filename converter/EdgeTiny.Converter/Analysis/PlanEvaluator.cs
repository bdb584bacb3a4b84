using EdgeTiny.Converter.Compression;

namespace EdgeTiny.Converter.Analysis;

/// <summary>What a whole compressed model does to the output, against the uncompressed model, on given sequences.</summary>
public sealed record PlanQuality(double MeanKl, double Top1Agreement, double LossNatsPerToken, double ReferenceLossNatsPerToken, int Positions)
{
    public double Perplexity => Math.Exp(LossNatsPerToken);
    public double ReferencePerplexity => Math.Exp(ReferenceLossNatsPerToken);
}

/// <summary>Measures plans with the converter's float model (teacher forcing over every sequence).</summary>
public sealed class PlanEvaluator(DenseModel model, TokenSequences sequences)
{
    private float[][]? _reference;

    public PlanQuality Evaluate(CompressionPlan plan) => Evaluate(plan.Decoded());

    public PlanQuality Evaluate(IReadOnlyDictionary<string, float[]> weights)
    {
        int vocab = model.Config.VocabSize;
        _reference ??= sequences.Sequences.Select(s => model.Forward(s)).ToArray();
        double kl = 0, loss = 0, refLoss = 0;
        int positions = 0, agree = 0, predicted = 0;
        for (int s = 0; s < sequences.Sequences.Length; s++)
        {
            int[] tokens = sequences.Sequences[s];
            float[] reference = _reference[s];
            float[] logits = model.Forward(tokens, weights);
            kl += LogitMetrics.KlSum(LogitMetrics.LogSoftmax(reference, vocab), logits, vocab);
            agree += LogitMetrics.Top1Agreements(reference, logits, vocab);
            loss += LogitMetrics.NextTokenLoss(logits, tokens, vocab);
            refLoss += LogitMetrics.NextTokenLoss(reference, tokens, vocab);
            positions += tokens.Length;
            predicted += tokens.Length - 1;
        }
        return new PlanQuality(kl / positions, (double)agree / positions, loss / predicted, refLoss / predicted, positions);
    }
}
