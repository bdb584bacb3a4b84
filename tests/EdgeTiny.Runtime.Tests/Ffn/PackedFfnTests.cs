using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Runtime.Tests.Ffn;

/// <summary>
/// Packed FFNs on the real model: the co-activation order changes no output, streaming bundles is exact, and the
/// thresholded sparsity costs little against the dense model.
/// </summary>
[Collection(Stories260KCollection.Name)]
public sealed class PackedFfnTests(ConvertedModels models, ITestOutputHelper output)
{
    /// <summary>The ESP32-S3 board's SD timing (SDMMC 4-bit), from boards/esp32-s3-devkitc-1-n8r8.json.</summary>
    private static SdTimingModel S3 => BoardProfiles.S3.Timing;

    private static EtbModel Open(string path, RuntimeOptions o) => EtbModel.Open(new StreamBlockSource(File.OpenRead(path), true), o);

    private static int[] Greedy(EtbModel m, GoldenCase g)
    {
        var k = new PortableKernels();
        var gen = new Generator(m.CreateTransformer(k), m.CreateSampler(0, 0.9f, 1, k));
        gen.Start(g.Tokens, g.PromptTokens, g.Generated.Length);
        var t = new List<int>();
        for (int x = gen.Next(); x >= 0; x = gen.Next()) t.Add(x);
        return [.. t];
    }

    [SharedDataTheory]
    [MemberData(nameof(Golden.Indices), MemberType = typeof(Golden))]
    public void Co_activation_order_gives_the_same_tokens_as_original_order(int index)
    {
        GoldenCase g = Golden.Cases[index];
        var o = new RuntimeOptions { ContextLength = g.Tokens.Length };
        Assert.Equal(Greedy(Open(models.Q8OriginalPath, o), g), Greedy(Open(models.Q8PackedPath, o), g));
    }

    [SharedDataFact]
    public void Streamed_bundles_give_bit_identical_logits_to_resident_ones()
    {
        GoldenCase g = Golden.Cases[0];
        Transformer resident = Open(models.Q8PackedPath, new RuntimeOptions { ContextLength = 64 }).CreateTransformer(new PortableKernels());
        EtbModel streamedModel = Open(models.Q8PackedPath, new RuntimeOptions { ContextLength = 64, Storage = S3, Ffn = new FfnStreaming { Stream = true } });
        Transformer streamed = streamedModel.CreateTransformer(new PortableKernels());
        Assert.False(streamedModel.Weights.Ffn![0].Bundles.IsResident);
        for (int p = 0; p < 20; p++)
            Assert.Equal((float[])resident.Forward(g.Tokens[p], p).Clone(), streamed.Forward(g.Tokens[p], p));
        Assert.True(streamedModel.Storage!.Reads > 0);
    }

    [SharedDataFact]
    public void Thresholded_sparsity_costs_at_most_002_mean_kl_against_the_dense_ffn()
    {
        double kl = 0;
        int positions = 0;
        long active = 0, calls = 0;
        foreach (GoldenCase g in Golden.Cases)
        {
            var o = new RuntimeOptions { ContextLength = g.Tokens.Length };
            Transformer dense = Open(models.Q8Path, o).CreateTransformer(new PortableKernels());
            EtbModel packedModel = Open(models.Q8PackedPath, o);
            Transformer packed = packedModel.CreateTransformer(new PortableKernels());
            for (int p = 0; p < g.Tokens.Length - 1; p++)
            {
                float[] d = (float[])dense.Forward(g.Tokens[p], p).Clone();
                kl += Sampling.KlDivergence(d, packed.Forward(g.Tokens[p], p));
                positions++;
            }
            active += packedModel.Weights.Ffn!.Sum(f => f.ActiveNeurons);
            calls += packedModel.Weights.Ffn!.Sum(f => f.Calls);
        }
        double mean = kl / positions;
        output.WriteLine($"packed (99% energy) vs dense q8: mean KL {mean:E3} over {positions} positions; {(double)active / calls / 172:P1} of neurons active");
        Assert.True(mean <= 0.02, $"mean KL {mean}");
    }

    [SharedDataFact]
    public void Collapse_and_cache_cut_reads_without_changing_tokens()
    {
        GoldenCase g = Golden.Cases[2];
        (int[] tokens, long reads, long ns, long bytes) Run(bool collapse, int cache)
        {
            EtbModel m = Open(models.Q8OriginalPath, new RuntimeOptions { ContextLength = g.Tokens.Length, Storage = BoardProfiles.Wroom.Timing, Ffn = new FfnStreaming { Stream = true, Collapse = collapse, CacheBytes = cache } });
            return (Greedy(m, g), m.Storage!.Reads, m.Storage.SimulatedNanoseconds, m.Storage.BytesRead);
        }
        var plain = Run(false, 0);
        var collapsed = Run(true, 0);
        var cached = Run(true, 16 * 1024);
        Assert.Equal(plain.tokens, collapsed.tokens);
        Assert.Equal(plain.tokens, cached.tokens);
        output.WriteLine($"reads / simulated ms / bytes: plain {plain.reads} / {plain.ns / 1e6:F1} / {plain.bytes}, collapse {collapsed.reads} / {collapsed.ns / 1e6:F1} / {collapsed.bytes}, + cache {cached.reads} / {cached.ns / 1e6:F1} / {cached.bytes}");
        Assert.True(collapsed.reads < plain.reads && collapsed.ns < plain.ns);
        Assert.True(cached.ns < collapsed.ns && cached.bytes < collapsed.bytes, "the cache must save time and bytes");
    }

    [SharedDataFact]
    public void Resident_gates_read_only_bundles_from_the_card_and_change_no_token()
    {
        GoldenCase g = Golden.Cases[1];
        (int[] tokens, long bytes, EtbModel m) Run(bool residentGates)
        {
            EtbModel m = Open(models.Q8PackedPath, new RuntimeOptions { ContextLength = g.Tokens.Length, Storage = S3, Ffn = new FfnStreaming { Stream = true, GatesResident = residentGates } });
            long before = m.Storage!.BytesRead; // the load reads every streamed tensor once to check its CRC
            return (Greedy(m, g), m.Storage.BytesRead - before, m);
        }
        var onCard = Run(false);
        var inRam = Run(true);
        Assert.Equal(onCard.tokens, inRam.tokens);
        Assert.All(inRam.m.Weights.W1, gate => Assert.True(gate.IsResident));
        Assert.All(inRam.m.Weights.Ffn!, f => Assert.False(f.Bundles.IsResident));
        Assert.All(onCard.m.Weights.W1, gate => Assert.False(gate.IsResident));
        // Every forward pass (prompt and generated tokens alike) no longer reads the five gates from the card.
        long gateBytes = inRam.m.Weights.W1.Sum(w => w.StoredBytes);
        int passes = g.Tokens.Length - 1;
        output.WriteLine($"bytes read: gates on card {onCard.bytes}, in RAM {inRam.bytes}; gates {gateBytes} B per pass, {passes} passes");
        Assert.Equal(onCard.bytes - inRam.bytes, gateBytes * passes);
    }

    [SharedDataFact]
    public void Under_a_budget_neuron_bundles_are_the_last_matrices_made_resident()
    {
        // Between "nothing resident" and "everything resident" the planner fills RAM; bundles are read only in part
        // every token, so every matrix read whole must be resident before any bundle is.
        bool sawResidentBundle = false, sawStreamedWhole = false;
        foreach (long budget in new long[] { 200_000, 280_000, 330_000, 380_000 })
        {
            EtbModel m = Open(models.Q8PackedPath, new RuntimeOptions { BudgetBytes = budget, ContextLength = 64, Storage = S3 });
            LlamaWeights w = m.Weights;
            bool anyBundleResident = w.Ffn!.Any(f => f.Bundles.IsResident);
            bool allWholeResident = w.W1.Concat(w.Wq).Concat(w.Wk).Concat(w.Wv).Concat(w.Wo).All(t => t.IsResident) && w.Classifier.IsResident;
            output.WriteLine($"budget {budget}: bundles resident {w.Ffn!.Count(f => f.Bundles.IsResident)}/5, whole-read matrices all resident {allWholeResident}");
            Assert.True(!anyBundleResident || allWholeResident, $"budget {budget}: a bundle tensor is resident while a whole-read matrix streams");
            sawResidentBundle |= anyBundleResident;
            sawStreamedWhole |= !allWholeResident;
        }
        Assert.True(sawResidentBundle && sawStreamedWhole, "the budgets must cover both sides of the order");
    }
}
