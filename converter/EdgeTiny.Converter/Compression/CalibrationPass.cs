using EdgeTiny.Converter.Analysis;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Compression;

/// <summary>
/// One reference forward pass per calibration sequence, and what it leaves behind: every matrix's input-column norms
/// (what Wanda prunes by) and, for a sensitivity sweep, each layer's residual input (to resume from), the reference
/// run's final hidden states (dim floats per position, not vocab: KL recomputes the reference logits from them, see
/// <see cref="StreamedKl"/>) and, for the MSE metric, every matrix's inputs.
/// </summary>
public sealed class CalibrationPass
{
    /// <summary>‖x_j‖ of each matrix's input columns over the calibration tokens (Wanda's activation norms).</summary>
    public IReadOnlyDictionary<string, float[]> InputNorms { get; }
    /// <summary>Per sequence: residual input of every layer (sweep only).</summary>
    public LayerCache[]? Caches { get; }
    /// <summary>Per sequence: the reference run's final-normed hidden states, T × dim (KL sweep only).</summary>
    public float[][]? ReferenceHidden { get; }
    /// <summary>Per matrix: its inputs, one array per sequence (MSE metric only).</summary>
    public IReadOnlyDictionary<string, List<float[]>>? MatrixInputs { get; }

    private CalibrationPass(IReadOnlyDictionary<string, float[]> norms, LayerCache[]? caches, float[][]? reference, IReadOnlyDictionary<string, List<float[]>>? inputs)
    {
        InputNorms = norms; Caches = caches; ReferenceHidden = reference; MatrixInputs = inputs;
    }

    /// <summary>Bytes held per sequence (layer inputs, reference hidden states, matrix inputs): what the sweep keeps for its whole run.</summary>
    public long HeldBytes =>
        ((Caches?.Sum(c => c.Inputs.Sum(x => (long)(x?.Length ?? 0))) ?? 0)
         + (ReferenceHidden?.Sum(h => (long)h.Length) ?? 0)
         + (MatrixInputs?.Values.Sum(l => l.Sum(x => (long)x.Length)) ?? 0)) * sizeof(float);

    /// <summary>Only the input norms (what pruning needs); nothing per sequence is kept.</summary>
    public static CalibrationPass Norms(DenseModel model, TokenSequences calibration) => Run(model, calibration, forSweep: false, SensitivityMetric.Kl);

    /// <summary>Everything a sensitivity sweep with <paramref name="metric"/> resumes from.</summary>
    public static CalibrationPass ForSweep(DenseModel model, TokenSequences calibration, SensitivityMetric metric) => Run(model, calibration, forSweep: true, metric);

    private static CalibrationPass Run(DenseModel model, TokenSequences calibration, bool forSweep, SensitivityMetric metric)
    {
        ModelConfig c = model.Config;
        int n = calibration.Sequences.Length;
        var sums = new Dictionary<string, double[]>();
        var inputs = forSweep && metric == SensitivityMetric.Mse ? new Dictionary<string, List<float[]>>() : null;
        LayerCache[]? caches = forSweep ? new LayerCache[n] : null;
        float[][]? reference = forSweep && metric == SensitivityMetric.Kl ? new float[n][] : null;
        for (int s = 0; s < n; s++)
        {
            if (caches is not null) caches[s] = new LayerCache(c.Layers);
            float[] hidden = model.FinalHidden(calibration.Sequences[s], capture: (name, x, cols) =>
            {
                if (!sums.TryGetValue(name, out double[]? acc)) sums[name] = acc = new double[cols];
                Wanda.AccumulateSquares(x, cols, acc);
                if (inputs is not null)
                {
                    if (!inputs.TryGetValue(name, out var list)) inputs[name] = list = [];
                    list.Add((float[])x.Clone());
                }
            }, cache: caches?[s]);
            if (reference is not null) reference[s] = hidden;
        }
        var norms = sums.ToDictionary(p => p.Key, p => p.Value.Select(v => (float)Math.Sqrt(v)).ToArray());
        if (!c.SharedClassifier) norms.Remove(TensorNames.TokenEmbedding); // a lookup table has no input features: plain magnitude
        return new CalibrationPass(norms, caches, reference, inputs);
    }
}
