using System.Numerics.Tensors;

namespace EdgeTiny.Converter.Analysis;

/// <summary>
/// Σ over positions of KL(reference ‖ model) from both sides' final hidden states (T × dim) and classifiers, with no
/// T × vocab buffer: logits are made a tile of <see cref="TilePositions"/> positions at a time (each classifier row read
/// once per tile and dotted with every position of it, so the classifier streams from memory T / tile times instead of
/// T times), then reduced row by row. Every logit is the same dot product <see cref="DenseModel.MatMul"/> computes, the
/// log-softmax and the KL terms are <see cref="LogitMetrics"/>' in the same order, so the sum equals, to the bit,
/// <see cref="LogitMetrics.KlSum"/> of the reference's stored log-probabilities against the model's full logits.
/// One instance per thread (it owns its scratch).
/// </summary>
public sealed class StreamedKl(int dim, int vocab)
{
    public const int TilePositions = DenseModel.TilePositions;

    private readonly float[] _reference = new float[TilePositions * vocab];
    private readonly float[] _model = new float[TilePositions * vocab];
    private readonly float[] _logProbs = new float[vocab];

    /// <summary>Bytes of scratch one instance holds (what the sweep reserves for it).</summary>
    public static long ScratchBytes(int vocab) => (2L * TilePositions + 1) * vocab * sizeof(float);

    /// <param name="referenceHidden">The reference run's final-normed hidden states (T × dim).</param>
    /// <param name="referenceClassifier">Its classifier (vocab × dim).</param>
    /// <param name="hidden">The compared model's (T × dim), for the same positions.</param>
    /// <param name="classifier">Its classifier (the same array when the classifier was not swapped).</param>
    public double Sum(float[] referenceHidden, float[] referenceClassifier, float[] hidden, float[] classifier, int positions)
    {
        double kl = 0;
        for (int t0 = 0; t0 < positions; t0 += TilePositions)
        {
            int n = Math.Min(TilePositions, positions - t0);
            Logits(referenceHidden, referenceClassifier, hidden, classifier, t0, n);
            for (int j = 0; j < n; j++)
            {
                LogitMetrics.LogSoftmaxRow(_reference.AsSpan(j * vocab, vocab), _logProbs);
                LogitMetrics.AddKl(_logProbs, _model.AsSpan(j * vocab, vocab), ref kl);
            }
        }
        return kl;
    }

    /// <summary>Both sides' logits of positions t0 .. t0+n-1, classifier rows split across cores when the tile is large.</summary>
    private void Logits(float[] xr, float[] wr, float[] xm, float[] wm, int t0, int n)
    {
        const int chunk = 1024;
        void Rows(int c)
        {
            for (int r = c * chunk, end = Math.Min(vocab, r + chunk); r < end; r++)
            {
                ReadOnlySpan<float> rowR = wr.AsSpan(r * dim, dim), rowM = wm.AsSpan(r * dim, dim);
                for (int j = 0; j < n; j++)
                {
                    _reference[j * vocab + r] = TensorPrimitives.Dot(xr.AsSpan((t0 + j) * dim, dim), rowR);
                    _model[j * vocab + r] = TensorPrimitives.Dot(xm.AsSpan((t0 + j) * dim, dim), rowM);
                }
            }
        }
        int chunks = (vocab + chunk - 1) / chunk;
        if ((long)n * vocab * dim < 1 << 18) for (int c = 0; c < chunks; c++) Rows(c);
        else Parallel.For(0, chunks, Rows);
    }
}
