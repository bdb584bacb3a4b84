using EdgeTiny.Converter.Compression;
using EdgeTiny.Converter.Packing;

namespace EdgeTiny.Converter.Conversion;

/// <summary>One policy's plan at the conversion's budget: matrix bytes and the table's predicted cost (Σ per-matrix sensitivity).</summary>
public sealed record PolicyPoint(string Policy, string Label, long MatrixBytes, double PredictedSensitivity, bool Chosen);

/// <summary>
/// One packed layer's co-activation, for people to look at: the pairwise co-activation rate in original and in packed
/// neuron order, averaged over blocks of neurons (so it stays small), and per calibration token the number of
/// contiguous runs of active neurons in each order (each run is one SD read before nearby runs are merged) and the
/// bytes those reads take from the card: each run's bundles, widened to whole 512-byte sectors.
/// </summary>
public sealed record PackingLayerInsight(int Layer, int Neurons, int Blocks, double[] OriginalBlocks, double[] PackedBlocks,
    double MeanActive, double MeanRunsOriginal, double MeanRunsPacked, int[] RunLengthsOriginal, int[] RunLengthsPacked,
    double MeanBytesOriginal, double MeanBytesPacked);

/// <summary>
/// What the converter measured on the way to its decisions, kept for the report (`convert --report`): the sensitivity
/// of every matrix under every candidate, what other policies would have predicted at the same budget, and how packing
/// changed the layout of co-active neurons.
/// </summary>
/// <param name="Chosen">Per matrix: the bit width and sparsity the policy chose (Edge-LLM's sparsities fall between the candidates').</param>
public sealed record ConversionInsight(string Metric, IReadOnlyList<Candidate> Candidates, IReadOnlyList<string> Matrices, double[][] Sensitivity,
    IReadOnlyList<Candidate> Chosen, IReadOnlyList<PolicyPoint> Policies, int MeasuredCells, IReadOnlyList<PackingLayerInsight> Packing)
{
    /// <summary>Neurons are averaged into at most this many blocks per side of a co-activation heatmap.</summary>
    public const int MaxBlocks = 32;

    /// <summary>Longest run length counted separately; longer runs are counted in the last bin.</summary>
    public const int MaxRunLength = 16;

    public static IReadOnlyList<PolicyPoint> PolicyPoints(SensitivityTable t, CompressionPlan chosen, long matrixBudget)
    {
        var points = new List<PolicyPoint>();
        // From the table's byte counts and sensitivities alone, nothing encoded (20 uniform plans of a 15M-parameter model
        // encoded are seconds and ~2x the model in garbage): the same sums CompressionPlan.MatrixBytes and
        // PredictedSensitivity take over the encoded choices, in the same order.
        (long Bytes, double Sensitivity) Sums(Func<int, int> pick) =>
            (Enumerable.Range(0, t.Matrices.Count).Sum(i => t.Bytes(i, pick(i))), Enumerable.Range(0, t.Matrices.Count).Sum(i => t.Sensitivity[i, pick(i)]));
        // Every uniform candidate: the curve a single bit width / sparsity traces.
        for (int k = 0; k < t.Candidates.Count; k++)
        {
            (long bytes, double sensitivity) = Sums(_ => k);
            points.Add(new PolicyPoint("uniform", t.Candidates[k].ToString(), bytes, sensitivity, false));
        }
        // LUC at the same budget (cheap: a knapsack over the table already built); Edge-LLM's rule only when it was
        // the policy, because choosing its bit width measures whole models.
        if (matrixBudget > 0 && chosen.Policy != "luc")
        {
            try
            {
                int[] pick = Compression.Policies.LucPicks(t, matrixBudget).Pick;
                (long bytes, double sensitivity) = Sums(i => pick[i]);
                points.Add(new PolicyPoint("luc", "luc", bytes, sensitivity, false));
            }
            catch (InputException) { } // the budget is below LUC's minimum: nothing to draw
        }
        points.Add(new PolicyPoint(chosen.Policy, chosen.Policy + " (chosen)", chosen.MatrixBytes, chosen.PredictedSensitivity, true));
        return points;
    }

    /// <param name="rowBytes">Bytes of one neuron's bundle in the file.</param>
    public static PackingLayerInsight MeasurePacking(int layer, NeuronMasks masks, int[] order, int rowBytes)
    {
        const int sector = EdgeTiny.Runtime.Format.EtbLayout.SectorBytes;
        int n = masks.Neurons;
        (int[] pairs, int[] singles) = masks.CoActivation();
        int blocks = Math.Min(MaxBlocks, n);
        var positionOf = new int[n];
        for (int p = 0; p < n; p++) positionOf[order[p]] = p;
        double[] Blocks(Func<int, int> neuronAt)
        {
            var sum = new double[blocks * blocks];
            var count = new int[blocks * blocks];
            for (int a = 0; a < n; a++)
                for (int b = 0; b < n; b++)
                {
                    int i = neuronAt(a), j = neuronAt(b);
                    int cell = a * blocks / n * blocks + b * blocks / n;
                    sum[cell] += (double)(i == j ? singles[i] : pairs[i * n + j]) / Math.Max(1, masks.Tokens);
                    count[cell]++;
                }
            return [.. sum.Select((s, c) => Math.Round(s / Math.Max(1, count[c]), 5))];
        }
        (double meanRuns, int[] lengths, double meanBytes) Runs(int[]? map)
        {
            var active = new int[n];
            var lengths = new int[MaxRunLength];
            long runs = 0, bytes = 0;
            for (int t = 0; t < masks.Tokens; t++)
            {
                int k = masks.ActivePositions(t, map, active);
                for (int s = 0; s < k;)
                {
                    int e = s + 1;
                    while (e < k && active[e] == active[e - 1] + 1) e++;
                    lengths[Math.Min(e - s, MaxRunLength) - 1]++;
                    runs++;
                    long first = (long)active[s] * rowBytes, end = (long)(active[e - 1] + 1) * rowBytes;
                    bytes += (end + sector - 1) / sector * sector - first / sector * sector;
                    s = e;
                }
            }
            int tokens = Math.Max(1, masks.Tokens);
            return (Math.Round((double)runs / tokens, 3), lengths, Math.Round((double)bytes / tokens, 1));
        }
        (double runsOriginal, int[] lengthsOriginal, double bytesOriginal) = Runs(null);
        (double runsPacked, int[] lengthsPacked, double bytesPacked) = Runs(positionOf);
        return new PackingLayerInsight(layer, n, blocks, Blocks(a => a), Blocks(a => order[a]), Math.Round(masks.MeanActiveFraction, 4),
            runsOriginal, runsPacked, lengthsOriginal, lengthsPacked, bytesOriginal, bytesPacked);
    }
}
