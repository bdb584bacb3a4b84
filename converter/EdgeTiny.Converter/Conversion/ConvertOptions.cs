using EdgeTiny.Converter.Compression;

namespace EdgeTiny.Converter.Conversion;

/// <summary>How to compress a model. Validated by <see cref="Validate"/>; the CLI maps flags onto this.</summary>
public sealed record ConvertOptions
{
    /// <summary>none | uniform | luc | edge-llm (see <see cref="Policies"/>).</summary>
    public string Policy { get; init; } = "none";

    /// <summary>none/uniform: bits of every matrix (32 = float). 0 = let uniform pick the best that fits the budget.</summary>
    public int Bits { get; init; } = 32;

    /// <summary>uniform: unstructured sparsity of every matrix.</summary>
    public double Sparsity { get; init; }

    /// <summary>Bytes the whole .etb file may take (luc, edge-llm; uniform without --bits); 0 = none given.</summary>
    public long BudgetBytes { get; init; }

    /// <summary>Values per quantization scale, along a row.</summary>
    public int GroupSize { get; init; } = 64;

    /// <summary>Calibration text; null = sample it from the source model (data-free).</summary>
    public string? CalibrationText { get; init; }
    public int CalibrationSequences { get; init; } = 8;
    public int CalibrationLength { get; init; } = 128;
    public ulong Seed { get; init; } = 1234;
    public SensitivityMetric Metric { get; init; } = SensitivityMetric.Kl;

    /// <summary>FFN layout: none (plain w1/w2/w3), original (neuron bundles in original order), coactivation (Ripple placement).</summary>
    public string Pack { get; init; } = "none";

    /// <summary>Packed FFNs: share of FFN output energy the active neurons must keep (sets the per-layer thresholds).</summary>
    public double FfnEnergy { get; init; } = 0.99;

    /// <summary>
    /// Packed files: how many top layers keep plain w1/w2/w3 so the device can tune them (backprop needs the dense
    /// matrices; see the runtime's Backprop). 0 = pack every layer.
    /// </summary>
    public int TunableLayers { get; init; }

    public static readonly string[] PackModes = ["none", "original", "coactivation"];

    public static readonly string[] Policies = ["none", "uniform", "luc", "edge-llm"];

    /// <summary>Build the sensitivity table even when the policy does not need it (e.g. for a report that shows it).</summary>
    public bool MeasureSensitivity { get; init; }

    /// <summary>Shard files of the sensitivity sweep (`--sensitivity-from`) to merge instead of sweeping here; null = sweep.</summary>
    public IReadOnlyList<string>? SensitivityFrom { get; init; }

    /// <summary>
    /// The sensitivity sweep of luc, edge-llm and uniform --budget: fast (every candidate scored on the matrix's own
    /// output error, whole-model KL for one anchor per matrix and for what the policy weighs — luc's picks, uniform's
    /// chosen candidate, the entries edge-llm's rule reads; results/sweep-quality.json) or full (every candidate's KL on
    /// the whole model). Shards and --sensitivity-from always hold the full table.
    /// </summary>
    public string Sweep { get; init; } = "fast";

    public static readonly string[] Sweeps = ["full", "fast"];

    public bool Compresses => Policy != "none";

    /// <summary>Whether this conversion sweeps fast (see <see cref="Sweep"/>): luc, edge-llm or uniform --budget, KL, measured here.</summary>
    public bool FastSweep => (Policy is "luc" or "edge-llm" || (Policy == "uniform" && Bits == 0))
        && Sweep == "fast" && Metric == SensitivityMetric.Kl && SensitivityFrom is not { Count: > 0 };

    /// <summary>
    /// Whether this conversion needs the sensitivity table: luc, edge-llm and uniform fitting a budget choose from it;
    /// none and uniform with a given bit width encode directly (or when asked, <see cref="MeasureSensitivity"/>).
    /// </summary>
    public bool NeedsSensitivity => Policy is "luc" or "edge-llm" || (Policy == "uniform" && Bits == 0) || (Compresses && MeasureSensitivity);

    public void Validate()
    {
        if (!Policies.Contains(Policy))
            throw new InputException("--policy", $"'{Policy}' is not a policy (use one of: {string.Join(", ", Policies)})");
        if (Sparsity < 0 || Sparsity >= 1) throw new InputException("--sparsity", $"{Sparsity} must be in [0, 1)");
        if (Policy == "none" && Bits != 32 && (Bits < 2 || Bits > 8))
            throw new InputException("--bits", $"{Bits} is not supported (32, or 2..8)");
        if (Policy == "uniform" && Bits != 0 && Bits != 32 && !Candidate.Grid.Contains(new Candidate(Bits, Sparsity)))
            throw new InputException("--bits", $"uniform {new Candidate(Bits, Sparsity)} is not a profiled candidate ({string.Join(", ", Candidate.Grid)})");
        if (Policy is "luc" or "edge-llm" && BudgetBytes <= 0)
            throw new InputException("--budget", $"policy {Policy} needs a size: give --budget SIZE or --board ID");
        if (Policy == "uniform" && Bits == 0 && BudgetBytes <= 0)
            throw new InputException("--bits", "uniform needs --bits N (and optionally --sparsity) or a --budget to fit");
        if (!PackModes.Contains(Pack)) throw new InputException("--pack", $"'{Pack}' must be one of: {string.Join(", ", PackModes)}");
        if (TunableLayers < 0) throw new InputException("--tunable-layers", $"{TunableLayers} must be >= 0");
        if (FfnEnergy <= 0 || FfnEnergy > 1) throw new InputException("--ffn-energy", $"{FfnEnergy} must be in (0, 1]");
        if (GroupSize < 1 || GroupSize > 4096) throw new InputException("--group-size", $"{GroupSize} is out of range (1..4096)");
        if (SensitivityFrom is { Count: > 0 } && !NeedsSensitivity)
            throw new InputException("--sensitivity-from", $"policy {Policy}{(Policy == "uniform" ? " with --bits" : "")} uses no sensitivity table (luc, edge-llm and uniform --budget do)");
        foreach (string part in SensitivityFrom ?? [])
            if (!File.Exists(part)) throw new InputException(part, "--sensitivity-from: file not found");
        if (!Sweeps.Contains(Sweep)) throw new InputException("--sweep", $"'{Sweep}' must be one of: {string.Join(", ", Sweeps)}");
        if (CalibrationSequences < 1 || CalibrationLength < 2) throw new InputException("--calib-tokens", "calibration needs at least one sequence of 2 tokens");
    }
}
