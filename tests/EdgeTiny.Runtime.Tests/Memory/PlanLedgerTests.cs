using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Runtime.Tests.Memory;

/// <summary>The committed demo model converted once per codec and layout, for the plan = ledger tests.</summary>
public sealed class DemoConversions : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Lazy<SourceModel> _source = new(() => Llama2cCheckpoint.Read(DemoModel.Checkpoint, null));
    private readonly Dictionary<string, string> _paths = new();

    /// <summary>Every codec the converter writes, plain and with packed FFNs (top two layers dense, so they can be tuned).</summary>
    public static readonly (string Name, ConvertOptions Options)[] Variants =
    [
        ("f32", new ConvertOptions { Policy = "none", Bits = 32 }),
        ("q8", new ConvertOptions { Policy = "none", Bits = 8 }),
        ("q4", new ConvertOptions { Policy = "none", Bits = 4 }),
        ("sparse-q4", new ConvertOptions { Policy = "uniform", Bits = 4, Sparsity = 0.5 }),
        ("q8-packed", new ConvertOptions { Policy = "none", Bits = 8, Pack = "coactivation", TunableLayers = 2 }),
        ("f32-packed", new ConvertOptions { Policy = "none", Bits = 32, Pack = "coactivation", TunableLayers = 2 }),
    ];

    public string Path(string variant)
    {
        lock (_paths)
        {
            if (_paths.TryGetValue(variant, out string? p)) return p;
            ConvertOptions o = Variants.First(v => v.Name == variant).Options;
            p = _dir.File(variant + ".etb");
            ModelConverter.Convert(_source.Value, o with { CalibrationSequences = 2, CalibrationLength = 48 }, p);
            _paths[variant] = p;
            return p;
        }
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>
/// The memory plan is what the ledger accounts, to the byte: for every codec, packed and plain, with and without
/// adapters, inference and tuning, unlimited and at budgets from the minimum up. Runs on the committed demo model,
/// so it needs no ../shared.
/// </summary>
public sealed class PlanLedgerTests(DemoConversions models) : IClassFixture<DemoConversions>
{
    private static readonly SdTimingModel Sd = new(400, 599_040, 512);

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var (name, _) in DemoConversions.Variants)
            foreach (int adapters in new[] { 0, 1, 2 }) // 0 none, 1 applied (inference), 2 tuned
                data.Add(name, adapters);
        return data;
    }

    private static RuntimeOptions Options(long budget, int adapters, int context = 48) => new()
    {
        BudgetBytes = budget,
        ContextLength = context,
        Storage = Sd,
        KvPrecision = adapters == 2 ? KvPrecision.Float : KvPrecision.Auto,
        AdapterLayers = adapters > 0 ? 2 : 0,
        AdapterRank = 4,
        Tuning = adapters == 2 ? new TuningShape { Window = 2, SequenceLength = 32, Optimizer = OptimizerKind.Adam, Steps = 10, TextTokens = 300, SampledSequences = 6, Distill = true } : null,
    };

    private static EtbModel Open(string path, RuntimeOptions o) => EtbModel.Open(new StreamBlockSource(File.OpenRead(path), true), o);

    /// <summary>Allocates what a host allocates after opening: the forward pass, a sampler, adapters and the tuner.</summary>
    private static void AllocateAsTheHostDoes(EtbModel m, RuntimeOptions o)
    {
        var k = new PortableKernels();
        Transformer t = m.CreateTransformer(k);
        m.CreateSampler(o.Temperature, o.TopP, 1, k);
        if (o.AdapterLayers == 0) return;
        var set = new AdapterSet(m.Config, m.Config.Layers - o.AdapterLayers, o.AdapterRank, 8f, o.Tuning != null, m.Ledger);
        if (o.Tuning != null)
            new TuningSession(t, m.Weights, set, TuneSettings.ForShape(o.Tuning), o.Tuning.TextTokens, m.Ledger);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_ledger_accounts_exactly_what_the_plan_predicted(string variant, int adapters)
    {
        string path = models.Path(variant);
        // Unlimited first: it tells the full size, from which the budgets are spread down to the minimum.
        EtbModel full = Open(path, Options(0, adapters));
        AllocateAsTheHostDoes(full, Options(0, adapters));
        Assert.Equal(full.Plan.TotalBytes, full.Ledger.PeakBytes);
        long minimum = full.Plan.MinimumBytes, all = full.Plan.TotalBytes;
        Assert.True(minimum < all, $"{variant}: minimum {minimum} should be below the unlimited plan's {all}");

        foreach (double f in new[] { 0.0, 0.1, 0.35, 0.7, 1.0 })
        {
            long budget = minimum + (long)((all - minimum) * f);
            RuntimeOptions o = Options(budget, adapters);
            EtbModel m = Open(path, o);
            AllocateAsTheHostDoes(m, o);
            Assert.True(m.Plan.TotalBytes == m.Ledger.PeakBytes,
                $"{variant}, adapters {adapters}, budget {budget}: plan {m.Plan.TotalBytes}, ledger {m.Ledger.PeakBytes}");
            Assert.True(m.Ledger.PeakBytes <= budget, $"{variant}: peak {m.Ledger.PeakBytes} over budget {budget}");
        }
        Assert.Throws<MemoryBudgetException>(() => Open(path, Options(minimum - 1, adapters)));
    }

    [Fact]
    public void Adapters_and_tuning_are_counted_and_applied_adapters_carry_no_gradients()
    {
        string path = models.Path("q8");
        EtbModel none = Open(path, Options(0, 0)), applied = Open(path, Options(0, 1)), tuned = Open(path, Options(0, 2));
        Assert.Equal(0, none.Plan.AdapterBytes);
        Assert.True(applied.Plan.AdapterBytes > 0);
        Assert.Equal(0, applied.Plan.TuningBytes);
        // Gradients double the adapters' weight arrays; Adam's moments and the backward buffers come on top.
        Assert.True(tuned.Plan.AdapterBytes > applied.Plan.AdapterBytes);
        Assert.True(tuned.Plan.TuningBytes > 0);
        var set = new AdapterSet(none.Config, none.Config.Layers - 2, 4, 8f, false, new MemoryLedger());
        Assert.Null(set.Get(none.Config.Layers - 1, AdapterSet.Q).GradA);
    }

    [Fact]
    public void Adapters_over_packed_layers_are_refused_with_the_fix_named()
    {
        string path = models.Path("q8-packed");
        EtbModel m = Open(path, Options(0, 0));
        var set = new AdapterSet(m.Config, 0, 4, 8f, false, m.Ledger); // every layer, but only the top two are dense
        var e = Assert.Throws<NotSupportedException>(() => new ForwardHooks(m.Weights, set, null, null));
        Assert.Contains("--tunable-layers", e.Message);
    }
}
