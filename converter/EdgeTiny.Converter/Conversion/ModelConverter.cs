using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.Compression;
using EdgeTiny.Converter.Etb;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Packing;
using EdgeTiny.Converter.Quantization;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Conversion;

/// <summary>One tensor as written: its codec and how many bytes it takes in the file, with the sensitivity the policy saw.</summary>
public sealed record TensorReport(string Name, int Rows, int Cols, string Codec, int GroupSize, long Bytes, double? Sensitivity = null)
{
    public double BitsPerWeight => Bytes * 8.0 / ((long)Rows * Cols);
}

/// <summary>What a conversion produced.</summary>
public sealed record ConversionReport(string Output, long FileBytes, long SourceBytes, long Parameters, ConvertOptions Options,
    IReadOnlyList<TensorReport> Tensors, string? PolicyDetail = null, TokenSequences? Calibration = null, double? Seconds = null)
{
    public ConversionCounts? Counts { get; init; }

    /// <summary>What the converter measured on the way to its decisions, for `convert --report`.</summary>
    public ConversionInsight? Insight { get; init; }

    /// <summary>File bits per model parameter, all sections and padding included.</summary>
    public double BitsPerParameter => FileBytes * 8.0 / Parameters;
}

/// <summary>What a conversion did, in counts that do not depend on the machine (what the tests and benchmarks read).</summary>
/// <param name="CalibrationSequences">Calibration sequences sampled or read (0: none were needed).</param>
/// <param name="SensitivityTable">Whether a sensitivity table was built or merged.</param>
/// <param name="CandidatesScored">Matrix × candidate jobs this process scored.</param>
/// <param name="ForwardPasses">Float-model passes over one calibration sequence (reference, resumed, profiling).</param>
/// <param name="MatricesEncoded">Weight matrices the plan encoded.</param>
public sealed record ConversionCounts(int CalibrationSequences, bool SensitivityTable, int CandidatesScored, int ForwardPasses, int MatricesEncoded);

/// <summary>Progress of the slow steps, for progress bars.</summary>
public interface IConversionProgress
{
    void Stage(string name, int total);
    void Advance(int done);
}

/// <summary>
/// Turns a <see cref="SourceModel"/> into an .etb file according to <see cref="ConvertOptions"/>: every matrix as the
/// policy chose (norm weights always float32), plus config, tokenizer, a manifest saying how the file was made and a
/// self-check (<see cref="SelfCheckSection"/>) the board's self-test recomputes.
/// </summary>
public static class ModelConverter
{
    public const string Version = "0.2.0";

    public static ConversionReport Convert(SourceModel model, ConvertOptions options, string outputPath, IConversionProgress? progress = null)
    {
        options.Validate();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TokenSequences? calibration = null;
        int forwardPasses = 0;
        TokenSequences Calibrate()
        {
            if (calibration is not null) return calibration;
            progress?.Stage("calibration", options.CalibrationSequences);
            calibration = Calibration(model, options);
            ReturnFreedMemory(); // sampling ran the source on the runtime: an in-memory .etb and its resident copy, ~2x the model
            progress?.Advance(options.CalibrationSequences);
            return calibration;
        }

        CompressionPlan? plan = null;
        SweepCounts? sweep = null;
        SensitivityTable? measuredTable = null;
        long planBudget = 0;
        if (options.NeedsSensitivity)
        {
            Calibrate();
            long matrixBudget = options.BudgetBytes > 0 ? options.BudgetBytes - FixedBytes(model, options, calibration) : 0;
            if (options.BudgetBytes > 0 && matrixBudget <= 0)
                throw new InputException("--budget", $"{options.BudgetBytes} bytes does not even hold the config, tokenizer and norms ({FixedBytes(model, options, calibration)} bytes)");
            long smallest = Policies.SmallestMatrixBytes(model, options.GroupSize);
            if (options.BudgetBytes > 0 && matrixBudget < smallest) throw Policies.Infeasible(options.Policy, matrixBudget, smallest);
            SensitivityTable table = MergeOrMeasureTable(model, options, calibration!, progress);
            if (!options.FastSweep) progress?.Stage("policy", 1);
            plan = options.Policy switch
            {
                "luc" when options.FastSweep => Policies.LucMeasured(table, matrixBudget, stage: Stages(progress)),
                "luc" => Policies.Luc(table, matrixBudget),
                "edge-llm" when options.FastSweep => Policies.EdgeLlmMeasured(table, matrixBudget, Stages(progress)),
                "edge-llm" => Policies.EdgeLlm(table, matrixBudget),
                "uniform" when options.FastSweep => Policies.UniformMeasured(table, matrixBudget, stage: Stages(progress)),
                _ => options.Bits == 0 ? Policies.Uniform(table, matrixBudget) : Policies.Uniform(table, new Candidate(options.Bits, options.Sparsity)),
            };
            if (!options.FastSweep) progress?.Advance(1);
            (measuredTable, planBudget) = (table, matrixBudget);
            sweep = table.Counts; // after the policy: a fast table measures its picks there. The table (and the
            forwardPasses += sweep.ForwardPasses; // reference hidden states it holds) is not needed from here on.
            ReturnFreedMemory();
        }
        else if (options.Compresses)
        {
            // A fixed bit width and sparsity: encode directly. Calibration only when pruning needs activation norms.
            var candidate = new Candidate(options.Bits, options.Sparsity);
            IReadOnlyDictionary<string, float[]>? norms = null;
            if (candidate.Sparsity > 0)
            {
                norms = CalibrationPass.Norms(new DenseModel(model), Calibrate()).InputNorms;
                forwardPasses += calibration!.Sequences.Length;
            }
            progress?.Stage("encode", 1);
            plan = Policies.Uniform(model, candidate, norms, options.GroupSize);
            progress?.Advance(1);
        }

        ActivationProfile? profile = null;
        if (options.Pack != "none")
        {
            Calibrate();
            progress?.Stage("activation profile", 1);
            profile = ActivationProfile.Measure(model, calibration!, options.FfnEnergy);
            forwardPasses += calibration!.Sequences.Length;
            progress?.Advance(1);
        }

        var writer = new EtbWriter();
        writer.AddRaw(TensorNames.Config, SectionKind.Config, model.Config.ToBytes());
        writer.AddRaw(TensorNames.Tokenizer, SectionKind.Tokenizer, TokenizerSection.Encode(model.Tokenizer));
        writer.AddRaw(TensorNames.Manifest, SectionKind.Manifest, Manifest(model, options, calibration, plan, profile));
        if (profile is not null) writer.AddRaw(TensorNames.FfnThresholds, SectionKind.Data, FfnPacker.Floats(profile.Thresholds));
        var reports = new List<TensorReport>();
        EncodedTensor Encode(SourceTensor t) =>
            plan?.Choices.FirstOrDefault(c => c.Tensor == t.Name)?.Encoded
            ?? (options.Bits < 32 && !t.IsNorm && !options.Compresses
                ? StoredInt8.Applies(t, options.Bits, options.GroupSize) ? StoredInt8.Encode(t)
                    : GroupQuantizer.Encode(t.Data, t.Rows, t.Cols, options.GroupSize, options.Bits)
                : EncodedTensor.F32(t.Data, t.Rows, t.Cols));
        void Add(string name, EncodedTensor e)
        {
            writer.AddTensor(name, e);
            TensorChoice? choice = plan?.Choices.FirstOrDefault(c => c.Tensor == name);
            reports.Add(new TensorReport(name, e.Rows, e.Cols, e.Describe(), e.GroupSize, e.Payload.Length,
                choice is null || double.IsNaN(choice.Sensitivity) ? null : choice.Sensitivity));
        }
        var packing = new List<PackingLayerInsight>();
        int firstTunable = model.Config.Layers - options.TunableLayers;
        bool PackedLayerOf(SourceTensor t, out int layer)
        {
            layer = t.Name.StartsWith('L') && t.Name.Contains('.') ? int.Parse(t.Name.AsSpan(1, t.Name.IndexOf('.') - 1)) : -1;
            return profile is not null && layer >= 0 && layer < firstTunable;
        }
        foreach (SourceTensor t in model.Tensors)
        {
            bool packedLayer = PackedLayerOf(t, out int layer);
            bool ffnPart = packedLayer && (t.Name.EndsWith("." + TensorNames.W2) || t.Name.EndsWith("." + TensorNames.W3));
            if (ffnPart) continue; // written inside the bundles
            if (packedLayer && t.Name.EndsWith("." + TensorNames.W1))
            {
                int[] order = options.Pack == "original" ? [.. Enumerable.Range(0, model.Config.HiddenDim)] : PlaceNeurons(profile!, layer);
                int bits = BundleBits(model, options, plan, layer);
                PackedFfn packed = FfnPacker.Pack(model, layer, order, Encode(t), bits, options.GroupSize);
                packing.Add(ConversionInsight.MeasurePacking(layer, profile!.Masks[layer], order, packed.Bundles.Payload.Length / packed.Bundles.Rows));
                Add(t.Name, packed.Gate);
                Add(TensorNames.Layer(layer, TensorNames.FfnBundles), packed.Bundles);
                writer.AddRaw(TensorNames.Layer(layer, TensorNames.FfnPermutation), SectionKind.Data, FfnPacker.Int32s(order));
                continue;
            }
            Add(t.Name, Encode(t));
        }

        // Last, so it is computed on every other section exactly as written; verified again on the written file.
        progress?.Stage("self-check and write", 1);
        writer.AddRaw(TensorNames.SelfCheck, SectionKind.SelfCheck, SelfCheckSection.Compute(writer, model));
        writer.WriteFile(outputPath, SelfCheckSection.Verify);
        progress?.Advance(1);
        long fileBytes = new FileInfo(outputPath).Length;
        if (options.BudgetBytes > 0 && options.Compresses && fileBytes > options.BudgetBytes)
            throw new InvalidOperationException($"planned within {options.BudgetBytes} bytes but wrote {fileBytes}");
        return new ConversionReport(outputPath, fileBytes, model.SourceBytes, model.ParameterCount, options, reports,
            plan?.Detail, calibration, clock.Elapsed.TotalSeconds)
        {
            Counts = new ConversionCounts(calibration?.Sequences.Length ?? 0, sweep is not null, sweep?.Scored ?? 0,
                forwardPasses, plan?.Choices.Count ?? 0),
            Insight = Insight(measuredTable, plan, planBudget, packing),
        };
    }

    private static ConversionInsight? Insight(SensitivityTable? table, CompressionPlan? plan, long matrixBudget, List<PackingLayerInsight> packing)
    {
        if (table is null || plan is null) return packing.Count == 0 ? null : new ConversionInsight("", [], [], [], [], [], 0, packing);
        double[][] sensitivity = [.. Enumerable.Range(0, table.Matrices.Count)
            .Select(i => Enumerable.Range(0, table.Candidates.Count).Select(k => table.Sensitivity[i, k]).ToArray())];
        int measured = 0;
        foreach (bool m in table.Measured) if (m) measured++;
        Candidate[] chosen = [.. table.Matrices.Select(m => plan.Choices.First(c => c.Tensor == m)).Select(c => new Candidate(c.Bits, c.Sparsity))];
        return new ConversionInsight(table.Metric == SensitivityMetric.Kl ? "kl" : "mse", table.Candidates, table.Matrices,
            sensitivity, chosen, ConversionInsight.PolicyPoints(table, plan, matrixBudget), measured, packing);
    }

    /// <summary>
    /// One shard of the sensitivity sweep a conversion with <paramref name="options"/> would run, written to
    /// <paramref name="outputPath"/> (<see cref="SensitivityParts"/>); `convert --sensitivity-from` merges the shards.
    /// </summary>
    public static SensitivityTable MeasureShard(SourceModel model, ConvertOptions options, SweepShard shard, string outputPath, IConversionProgress? progress = null)
    {
        options.Validate();
        progress?.Stage("calibration", options.CalibrationSequences);
        TokenSequences calibration = Calibration(model, options);
        progress?.Advance(options.CalibrationSequences);
        progress?.Stage($"sensitivity {shard}", Jobs(model) / shard.Count + 1);
        SensitivityTable table = SensitivityTable.Build(model, calibration, Candidate.Grid, options.GroupSize, options.Metric, new SyncProgress(progress), shard);
        SensitivityParts.Write(table, outputPath);
        return table;
    }

    private static TokenSequences Calibration(SourceModel model, ConvertOptions options) => options.CalibrationText is null
        ? TokenSequences.SampleFromModel(model, options.CalibrationSequences, options.CalibrationLength, options.Seed)
        : TokenSequences.FromText(options.CalibrationText, model, options.CalibrationSequences, options.CalibrationLength, "--calib");

    private static int Jobs(SourceModel model) => LlamaWeights.MatrixNames(model.Config).Length * Candidate.Grid.Length;

    /// <summary>The table from shard files (--sensitivity-from), else measured here on all cores.</summary>
    private static SensitivityTable MergeOrMeasureTable(SourceModel model, ConvertOptions options, TokenSequences calibration, IConversionProgress? progress)
    {
        if (options.SensitivityFrom is { Count: > 0 } parts)
        {
            progress?.Stage("sensitivity (merging shards)", 1);
            SensitivityTable merged = SensitivityParts.Merge(parts, model, calibration, Candidate.Grid, options.GroupSize, options.Metric, "--sensitivity-from");
            progress?.Advance(1);
            return merged;
        }
        if (options.FastSweep) return SensitivityTable.Estimate(model, calibration, Candidate.Grid, options.GroupSize, Stages(progress));
        progress?.Stage("sensitivity", Jobs(model));
        return SensitivityTable.Build(model, calibration, Candidate.Grid, options.GroupSize, options.Metric, new SyncProgress(progress));
    }

    /// <summary>
    /// A full, compacting collection that hands freed pages back to the OS, at the two points where most of the model's
    /// size has just become garbage (after calibration sampling, after the sweep): the next stage's allocations then
    /// reuse that memory instead of adding to it (the peak resident size is what `--scale` measures and #21 bounds).
    /// </summary>
    private static void ReturnFreedMemory()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>Ripple placement of one layer's neurons from their calibration co-activations.</summary>
    private static int[] PlaceNeurons(ActivationProfile profile, int layer)
    {
        (int[] pairs, int[] singles) = profile.Masks[layer].CoActivation();
        return LinkMergingPlacer.Place(pairs, singles);
    }

    /// <summary>Bits of a layer's bundles: the wider of the policy's choices for w2 and w3 (bundles are dense), else --bits.</summary>
    private static int BundleBits(SourceModel model, ConvertOptions options, CompressionPlan? plan, int layer)
    {
        if (plan is null) return options.Bits;
        int Bits(string n) => plan.Choices.First(c => c.Tensor == TensorNames.Layer(layer, n)).Bits;
        return Math.Max(Bits(TensorNames.W2), Bits(TensorNames.W3));
    }

    /// <summary>File bytes that do not depend on the policy: header and directory, config, tokenizer, manifest, self-check, norms.</summary>
    public static long FixedBytes(SourceModel model, ConvertOptions options, TokenSequences? calibration)
    {
        int sections = 4 + model.Tensors.Count + (options.Pack != "none" ? 1 + model.Config.Layers : 0);
        long bytes = EtbLayout.AlignToSector(EtbLayout.HeaderBytes + (long)sections * EtbLayout.DirectoryEntryBytes);
        bytes += EtbLayout.AlignToSector(ModelConfig.Bytes);
        bytes += EtbLayout.AlignToSector(TokenizerSection.Encode(model.Tokenizer).Length);
        bytes += EtbLayout.AlignToSector(SelfCheckSection.Bytes(model));
        bytes += EtbLayout.AlignToSector(Manifest(model, options, calibration, null, null).Length + 256 + (options.Pack != "none" ? 64 * model.Config.Layers : 0)); // + plan and FFN lines
        bytes += model.Tensors.Where(t => t.IsNorm).Sum(t => EtbLayout.AlignToSector((long)t.Rows * t.Cols * 4));
        if (options.Pack != "none") bytes += FfnPacker.ExtraBytes(model);
        return bytes;
    }

    /// <summary>JSON that says where the file came from and how it was made (no timestamps: conversions are reproducible).</summary>
    private static byte[] Manifest(SourceModel model, ConvertOptions options, TokenSequences? calibration, CompressionPlan? plan, ActivationProfile? profile)
    {
        var json = new JsonObject
        {
            ["format"] = "etb",
            ["converter"] = $"edgetiny {Version}",
            ["source"] = new JsonObject
            {
                ["file"] = Path.GetFileName(model.SourcePath),
                ["format"] = model.SourceFormat,
                ["sha256"] = model.SourceSha256,
                ["parameters"] = model.ParameterCount,
            },
            ["policy"] = options.Policy,
            ["bits"] = options.Compresses ? null : options.Bits,
            ["group_size"] = options.Bits == 32 && !options.Compresses ? 0 : options.GroupSize,
            ["budget_bytes"] = options.BudgetBytes > 0 ? options.BudgetBytes : null,
            ["calibration"] = calibration is null ? null : new JsonObject
            {
                ["source"] = calibration.Source,
                ["sequences"] = calibration.Sequences.Length,
                ["tokens"] = calibration.Tokens,
                ["seed"] = calibration.Seed,
                ["sensitivity"] = !options.NeedsSensitivity ? null : options.Metric == SensitivityMetric.Kl ? "kl" : "mse",
            },
            ["plan"] = plan?.Detail,
            ["ffn"] = profile is null ? null : new JsonObject
            {
                ["pack"] = options.Pack,
                ["energy"] = options.FfnEnergy,
                ["tunable_layers"] = options.TunableLayers,
                ["active_fraction"] = new JsonArray(profile.ActiveFraction.Select(a => (JsonNode)Math.Round(a, 4)).ToArray()),
            },
        };
        return Encoding.UTF8.GetBytes(json.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }

    /// <summary>Starts a stage on <paramref name="progress"/> and hands back its thread-safe (done, total) sink.</summary>
    private static Func<string, int, IProgress<(int Done, int Total)>?> Stages(IConversionProgress? progress) => (name, total) =>
    {
        progress?.Stage(name, total);
        return new SyncProgress(progress);
    };

    /// <summary>Forwards the sweep's thread-pool progress to the caller's progress sink, in order.</summary>
    private sealed class SyncProgress(IConversionProgress? sink) : IProgress<(int Done, int Total)>
    {
        private int _last;

        public void Report((int Done, int Total) value)
        {
            lock (this)
            {
                if (value.Done <= _last) return;
                _last = value.Done;
                sink?.Advance(value.Done);
            }
        }
    }
}
