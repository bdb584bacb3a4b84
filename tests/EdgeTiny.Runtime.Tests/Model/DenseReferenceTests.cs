using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Runtime.Tests.Model;

/// <summary>
/// The runtime's forward pass (one token at a time, KV cache) against the converter's independent dense reference
/// (<see cref="DenseModel"/>: the whole sequence at once) on small random models: SwiGLU and ReLU FFNs, MHA, GQA and
/// multi-query attention, shared and separate classifiers; then the int8 KV cache, quantized weights and packed FFNs.
/// Needs nothing from ../shared, so a broken forward pass (RoPE, attention, norms, FFN…) fails on every machine.
/// </summary>
public sealed class DenseReferenceTests(ITestOutputHelper output)
{
    /// <summary>
    /// f32 against f32: the two implementations differ only in summation order (the runtime sums each dot product in
    /// index order, the reference with SIMD partial sums), so every logit agrees to float rounding. Measured worst case on
    /// these shapes is ~1e-5 of (1 + |logit|); the bound is 1e-4 of it (1e-4 absolute for small logits, relative for large
    /// ones). A broken pass is off by units: with RoPE's rotation sign flipped the same measure is 3–8.
    /// </summary>
    public const float Tolerance = 1e-4f;

    public static IEnumerable<object[]> Shapes =>
    [
        // name, dim, layers, heads, kv heads, activation, shared classifier
        ["swiglu mha shared", 32, 2, 4, 4, ModelConfig.ActivationSwiGlu, true],
        ["swiglu gqa(2) separate", 32, 3, 4, 2, ModelConfig.ActivationSwiGlu, false],
        ["swiglu mqa(1) shared", 16, 4, 4, 1, ModelConfig.ActivationSwiGlu, true],
        ["relu mha separate", 16, 2, 4, 4, ModelConfig.ActivationReluGlu, false],
        ["relu gqa(2) shared", 32, 3, 4, 2, ModelConfig.ActivationReluGlu, true],
        ["relu mqa(1) separate", 32, 4, 4, 1, ModelConfig.ActivationReluGlu, false],
    ];

    private static SourceModel Model(int dim, int layers, int heads, int kvHeads, int activation, bool shared, int seed = 11) =>
        TinyModels.Source(TinyModels.Shape(dim, hidden: dim * 3 / 2, layers, heads, kvHeads, activation, shared), seed + dim + layers * 7 + kvHeads);

    /// <summary>A seeded token sequence as long as the context (BOS first).</summary>
    private static int[] Tokens(ModelConfig c, int seed)
    {
        var rng = new Random(seed);
        return [1, .. Enumerable.Range(1, c.SeqLen - 1).Select(_ => rng.Next(3, c.VocabSize))];
    }

    /// <summary>The runtime's logits (T × vocab) for <paramref name="tokens"/>, one position at a time.</summary>
    private static float[] RuntimeLogits(EtbModel m, int[] tokens)
    {
        Transformer t = m.CreateTransformer(new PortableKernels());
        int vocab = m.Config.VocabSize;
        var all = new float[tokens.Length * vocab];
        for (int p = 0; p < tokens.Length; p++) Array.Copy(t.Forward(tokens[p], p), 0, all, p * vocab, vocab);
        return all;
    }

    /// <summary>Largest |runtime − reference| / (1 + |reference|) over every logit of every position.</summary>
    private static (float Worst, int Position) Compare(float[] runtime, float[] reference, int vocab)
    {
        Assert.Equal(reference.Length, runtime.Length);
        float worst = 0f;
        int at = -1;
        for (int i = 0; i < reference.Length; i++)
        {
            float d = Math.Abs(runtime[i] - reference[i]) / (1f + Math.Abs(reference[i]));
            if (!(d <= worst)) { worst = d; at = i / vocab; }
        }
        return (worst, at);
    }

    private static int ArgMax(float[] logits, int row, int vocab)
    {
        int best = 0;
        for (int v = 1; v < vocab; v++) if (logits[row * vocab + v] > logits[row * vocab + best]) best = v;
        return best;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void F32_logits_match_the_dense_reference_at_every_position(string name, int dim, int layers, int heads, int kvHeads, int activation, bool shared)
    {
        SourceModel source = Model(dim, layers, heads, kvHeads, activation, shared);
        int[] tokens = Tokens(source.Config, 3);
        float[] reference = new DenseModel(source).Forward(tokens);
        float[] runtime = RuntimeLogits(TinyModels.Open(source, new RuntimeOptions { KvPrecision = KvPrecision.Float }), tokens);
        var (worst, at) = Compare(runtime, reference, source.Config.VocabSize);
        output.WriteLine($"{name}: worst relative logit difference {worst:E2} (position {at}) over {tokens.Length} positions");
        Assert.True(worst <= Tolerance, $"{name}: logits differ by {worst} at position {at}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void F32_greedy_tokens_are_the_dense_reference_argmax(string name, int dim, int layers, int heads, int kvHeads, int activation, bool shared)
    {
        SourceModel source = Model(dim, layers, heads, kvHeads, activation, shared);
        ModelConfig c = source.Config;
        Transformer t = TinyModels.Open(source, new RuntimeOptions()).CreateTransformer(new PortableKernels());
        // Greedy from a three-token prompt to the end of the context (no stop token: every position counts).
        var sequence = new List<int> { 1, 5, 9 };
        for (int p = 0; p < c.SeqLen - 1; p++)
        {
            float[] logits = t.Forward(sequence[p], p);
            if (p + 1 < sequence.Count) continue;
            sequence.Add(EdgeTiny.Runtime.Text.Sampler.ArgMax(logits, c.VocabSize));
        }
        int[] tokens = [.. sequence];
        float[] reference = new DenseModel(source).Forward(tokens);
        for (int p = 2; p < tokens.Length - 1; p++)
            Assert.True(ArgMax(reference, p, c.VocabSize) == tokens[p + 1], $"{name}: position {p}: runtime chose {tokens[p + 1]}, the reference {ArgMax(reference, p, c.VocabSize)}");
        output.WriteLine($"{name}: {tokens.Length - 3} greedy tokens: {string.Join(' ', tokens[3..])}");
        Assert.True(tokens[3..].Distinct().Count() > 1, "a constant continuation would not exercise the positions");
    }

    /// <summary>
    /// int8 KV cache: keys and values are stored with one symmetric scale per (position, kv head), so each element is off
    /// by up to half a step, max|x| / 254 (0.4% of the head's largest value). These random models have sharp attention
    /// (scores spread over several units), so such errors move softmax weights by percents and logits by up to ~0.19
    /// (relative, as <see cref="Compare"/> measures; mean KL ≤ 1.2e-3 nats) on these shapes. The bounds, 0.5 and 5e-3, are
    /// about three to four times that and still an order of magnitude below a broken pass: with RoPE's rotation sign
    /// flipped the same measures are 3–8 and 0.6–3.6.
    /// </summary>
    public const float Int8KvTolerance = 0.5f;
    public const double Int8KvMeanKl = 5e-3;

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Int8_kv_cache_stays_close_to_the_dense_reference(string name, int dim, int layers, int heads, int kvHeads, int activation, bool shared)
    {
        SourceModel source = Model(dim, layers, heads, kvHeads, activation, shared);
        int[] tokens = Tokens(source.Config, 4);
        float[] reference = new DenseModel(source).Forward(tokens);
        EtbModel m = TinyModels.Open(source, new RuntimeOptions { KvPrecision = KvPrecision.Int8 });
        Assert.True(m.Plan.KvInt8);
        float[] runtime = RuntimeLogits(m, tokens);
        var (worst, at) = Compare(runtime, reference, source.Config.VocabSize);
        int vocab = source.Config.VocabSize;
        double kl = 0;
        for (int p = 0; p < tokens.Length; p++)
            kl += Sampling.KlDivergence(reference.AsSpan(p * vocab, vocab).ToArray(), runtime.AsSpan(p * vocab, vocab).ToArray());
        kl /= tokens.Length;
        output.WriteLine($"{name}: int8 KV: worst relative logit difference {worst:E2} (position {at}); mean KL {kl:E2}");
        Assert.True(worst <= Int8KvTolerance, $"{name}: int8 KV logits differ by {worst} at position {at}");
        Assert.True(kl <= Int8KvMeanKl, $"{name}: int8 KV mean KL {kl}");
    }

    [Theory]
    [InlineData(8, "swiglu", 2)]
    [InlineData(8, "relu", 1)]
    [InlineData(4, "swiglu", 2)]
    public void Quantized_weights_match_the_dense_reference_on_the_dequantized_weights(int bits, string activation, int kvHeads)
    {
        int act = activation == "relu" ? ModelConfig.ActivationReluGlu : ModelConfig.ActivationSwiGlu;
        SourceModel source = Model(32, 3, 4, kvHeads, act, shared: false);
        int[] tokens = Tokens(source.Config, 5);
        // The runtime computes with the stored integers times their group scales: the float model it runs is exactly the
        // decoded weights, so the f32 tolerance applies.
        float[] reference = new DenseModel(TinyModels.Dequantized(source, bits)).Forward(tokens);
        float[] runtime = RuntimeLogits(TinyModels.Open(source, new RuntimeOptions(), bits), tokens);
        var (worst, at) = Compare(runtime, reference, source.Config.VocabSize);
        output.WriteLine($"q{bits} {activation}: worst relative logit difference {worst:E2} (position {at})");
        Assert.True(worst <= Tolerance, $"q{bits}: logits differ by {worst} at position {at}");
        // And quantization did change the model (otherwise this compares f32 with f32).
        var (fromF32, _) = Compare(runtime, new DenseModel(source).Forward(tokens), source.Config.VocabSize);
        Assert.True(fromF32 > 10 * Tolerance, $"q{bits} logits are within {fromF32} of the f32 model's");
    }

    /// <summary>
    /// A ReLU model converted with the converter's packing at full energy (--ffn-energy 1: the thresholds sit below every
    /// activation seen in calibration) computes the dense FFN over the neurons that are not exactly zero, in another
    /// order and summation: equal to the dense reference up to float rounding, resident or streamed from a board's card.
    /// </summary>
    [Theory]
    [InlineData("coactivation", false)]
    [InlineData("original", false)]
    [InlineData("coactivation", true)]
    public void Packed_relu_ffn_at_full_energy_matches_the_dense_reference(string pack, bool streamed)
    {
        using var dir = new TempDir();
        SourceModel source = TinyModels.AsCheckpoint(Model(32, 3, 4, 2, ModelConfig.ActivationReluGlu, shared: true), dir);
        string path = dir.File("packed.etb");
        ConversionReport report = ModelConverter.Convert(source, new ConvertOptions { Bits = 32, Pack = pack, FfnEnergy = 1.0 }, path);
        var options = new RuntimeOptions();
        if (streamed) options = new RuntimeOptions { Storage = BoardProfiles.S3.Timing, Ffn = new FfnStreaming { Stream = true } };
        EtbModel m = EtbModel.Open(new StreamBlockSource(File.OpenRead(path), ownsStream: true), options);
        Assert.All(Enumerable.Range(0, m.Config.Layers), l => Assert.NotNull(m.Weights.PackedFfn(l)));
        Assert.All(m.Weights.Ffn!, f => Assert.Equal(streamed, !f.Bundles.IsResident));
        output.WriteLine($"{pack}{(streamed ? " streamed" : "")}: thresholds {string.Join(", ", m.Weights.Ffn!.Select(f => f.Threshold.ToString("E2")))}");

        // On the calibration sequences (sampled from the model) every neuron that fired was kept: full energy.
        foreach (int[] tokens in report.Calibration!.Sequences.Take(2).Append(Tokens(source.Config, 6)))
        {
            float[] reference = new DenseModel(source).Forward(tokens);
            float[] runtime = RuntimeLogits(m, tokens);
            var (worst, at) = Compare(runtime, reference, source.Config.VocabSize);
            output.WriteLine($"  {tokens.Length} tokens: worst relative logit difference {worst:E2} (position {at})");
            Assert.True(worst <= Tolerance, $"{pack}: packed logits differ by {worst} at position {at}");
        }
        // The packed path really skipped neurons (ReLU's exact zeros), and co-activation placement really reordered them.
        long active = m.Weights.Ffn!.Sum(f => f.ActiveNeurons), calls = m.Weights.Ffn!.Sum(f => f.Calls);
        double fraction = (double)active / calls / m.Config.HiddenDim;
        output.WriteLine($"  active neurons {fraction:P1}");
        Assert.InRange(fraction, 0.05, 0.9);
        bool reordered = Enumerable.Range(0, m.Config.Layers).Any(l =>
        {
            byte[] perm = m.Reader.ReadSection(m.Reader.Require(TensorNames.Layer(l, TensorNames.FfnPermutation)));
            return !Enumerable.Range(0, m.Config.HiddenDim).All(i => BitConverter.ToInt32(perm, i * 4) == i);
        });
        Assert.Equal(pack == "coactivation", reordered);
        if (streamed) Assert.True(m.Storage!.Reads > 0);
    }
}
