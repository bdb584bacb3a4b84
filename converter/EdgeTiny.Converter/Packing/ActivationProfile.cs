using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Packing;

/// <summary>
/// Which FFN neurons fire, per layer and calibration token. Without retraining a SwiGLU model has no exact zeros, so
/// "active" means |act(gate)| above a per-layer threshold (CATS-style), calibrated so the kept neurons carry a chosen
/// share of the FFN's output energy: with h_i = act_i·up_i·x and e_i = h_i²·‖down_i‖², the mean over tokens of
/// Σ_{kept} e_i / Σ e_i is at least <c>energy</c>.
/// </summary>
public sealed class ActivationProfile
{
    /// <summary>Per layer: the threshold on |act|.</summary>
    public float[] Thresholds { get; }
    /// <summary>Per layer: active-neuron masks, one bit-set row per calibration token (bit i = neuron i).</summary>
    public IReadOnlyList<NeuronMasks> Masks { get; }
    /// <summary>Per layer: mean share of neurons active per token.</summary>
    public double[] ActiveFraction { get; }
    /// <summary>Per layer: mean share of output energy kept.</summary>
    public double[] EnergyKept { get; }

    private ActivationProfile(float[] t, IReadOnlyList<NeuronMasks> m, double[] a, double[] e)
    {
        Thresholds = t; Masks = m; ActiveFraction = a; EnergyKept = e;
    }

    public static ActivationProfile Measure(SourceModel source, TokenSequences calibration, double energy)
    {
        ModelConfig c = source.Config;
        var model = new DenseModel(source);
        int L = c.Layers, hidden = c.HiddenDim, dim = c.Dim;
        var acts = new List<float[]>[L];
        var hs = new List<float[]>[L];
        for (int l = 0; l < L; l++) { acts[l] = []; hs[l] = []; }
        foreach (int[] seq in calibration.Sequences)
            model.Forward(seq, capture: (name, x, cols) =>
            {
                if (name[0] != 'L' || name.IndexOf('.') < 0) return; // the classifier's input
                int l = int.Parse(name.AsSpan(1, name.IndexOf('.') - 1));
                if (name.EndsWith("." + DenseModel.FfnActivations)) acts[l].Add((float[])x.Clone());
                else if (name.EndsWith("." + TensorNames.W2)) hs[l].Add((float[])x.Clone());
            });

        var thresholds = new float[L];
        var masks = new NeuronMasks[L];
        var active = new double[L];
        var kept = new double[L];
        for (int l = 0; l < L; l++)
        {
            float[] w2 = source.Tensor(TensorNames.Layer(l, TensorNames.W2)).Data; // (dim, hidden)
            var downNorm2 = new double[hidden];
            for (int r = 0; r < dim; r++)
                for (int i = 0; i < hidden; i++) downNorm2[i] += (double)w2[r * hidden + i] * w2[r * hidden + i];
            float[] act = [.. acts[l].SelectMany(a => a)];
            float[] h = [.. hs[l].SelectMany(a => a)];
            int tokens = act.Length / hidden;
            var e = new double[act.Length];
            for (int k = 0; k < act.Length; k++) e[k] = (double)h[k] * h[k] * downNorm2[k % hidden];

            double Kept(float t)
            {
                double share = 0;
                for (int tok = 0; tok < tokens; tok++)
                {
                    double all = 0, keep = 0;
                    for (int i = 0; i < hidden; i++)
                    {
                        int k = tok * hidden + i;
                        all += e[k];
                        if (Math.Abs(act[k]) > t) keep += e[k];
                    }
                    share += all > 0 ? keep / all : 1;
                }
                return share / tokens;
            }

            // The largest threshold that still keeps the energy share (kept energy falls as the threshold rises).
            float lo = 0, hi = act.Max(Math.Abs);
            for (int it = 0; it < 40; it++)
            {
                float mid = (lo + hi) / 2;
                if (Kept(mid) >= energy) lo = mid; else hi = mid;
            }
            thresholds[l] = lo;
            kept[l] = Kept(lo);
            masks[l] = NeuronMasks.FromActivations(act, hidden, lo);
            active[l] = masks[l].MeanActiveFraction;
        }
        return new ActivationProfile(thresholds, masks, active, kept);
    }
}

/// <summary>Active-neuron sets of many tokens for one layer: a bit set per token over n neurons.</summary>
public sealed class NeuronMasks
{
    public int Neurons { get; }
    public int Tokens { get; }
    private readonly ulong[] _bits; // token-major: Tokens × words
    private readonly int _words;

    public NeuronMasks(int neurons, int tokens)
    {
        Neurons = neurons;
        Tokens = tokens;
        _words = (neurons + 63) / 64;
        _bits = new ulong[tokens * _words];
    }

    public void Set(int token, int neuron) => _bits[token * _words + (neuron >> 6)] |= 1UL << (neuron & 63);
    public bool Get(int token, int neuron) => (_bits[token * _words + (neuron >> 6)] & (1UL << (neuron & 63))) != 0;

    /// <summary>The active neurons of one token, ascending, remapped through <paramref name="positionOf"/> (neuron → position) and sorted.</summary>
    public int ActivePositions(int token, int[]? positionOf, int[] output)
    {
        int n = 0;
        for (int w = 0; w < _words; w++)
            for (ulong b = _bits[token * _words + w]; b != 0; b &= b - 1)
            {
                int neuron = w * 64 + System.Numerics.BitOperations.TrailingZeroCount(b);
                output[n++] = positionOf is null ? neuron : positionOf[neuron];
            }
        if (positionOf is not null) Array.Sort(output, 0, n);
        return n;
    }

    public double MeanActiveFraction
    {
        get
        {
            long ones = 0;
            foreach (ulong w in _bits) ones += System.Numerics.BitOperations.PopCount(w);
            return (double)ones / ((long)Tokens * Neurons);
        }
    }

    public static NeuronMasks FromActivations(float[] act, int neurons, float threshold)
    {
        var m = new NeuronMasks(neurons, act.Length / neurons);
        for (int k = 0; k < act.Length; k++)
            if (Math.Abs(act[k]) > threshold) m.Set(k / neurons, k % neurons);
        return m;
    }

    /// <summary>
    /// Pairwise co-activation counts (n × n, symmetric, row-major) and per-neuron counts, from neuron-major bit sets
    /// (popcount of AND), O(n² · tokens / 64).
    /// </summary>
    public (int[] Pairs, int[] Singles) CoActivation()
    {
        int n = Neurons, tw = (Tokens + 63) / 64;
        var byNeuron = new ulong[n * tw];
        for (int t = 0; t < Tokens; t++)
            for (int w = 0; w < _words; w++)
                for (ulong b = _bits[t * _words + w]; b != 0; b &= b - 1)
                {
                    int i = w * 64 + System.Numerics.BitOperations.TrailingZeroCount(b);
                    byNeuron[i * tw + (t >> 6)] |= 1UL << (t & 63);
                }
        var pairs = new int[n * n];
        var singles = new int[n];
        Parallel.For(0, n, i =>
        {
            ReadOnlySpan<ulong> a = byNeuron.AsSpan(i * tw, tw);
            int self = 0;
            foreach (ulong w in a) self += System.Numerics.BitOperations.PopCount(w);
            singles[i] = self;
            for (int j = i + 1; j < n; j++)
            {
                ReadOnlySpan<ulong> b = byNeuron.AsSpan(j * tw, tw);
                int both = 0;
                for (int k = 0; k < tw; k++) both += System.Numerics.BitOperations.PopCount(a[k] & b[k]);
                pairs[i * n + j] = both;
                pairs[j * n + i] = both;
            }
        });
        return (pairs, singles);
    }
}
