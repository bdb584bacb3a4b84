using EdgeTiny.Converter.Quantization;

namespace EdgeTiny.Converter.Compression;

/// <summary>How one weight matrix is stored, and what the sensitivity table predicted it costs in quality.</summary>
public sealed record TensorChoice(string Tensor, int Bits, double Sparsity, EncodedTensor Encoded, double Sensitivity)
{
    public long SectionBytes => Candidate.SectionBytes(Encoded);
    public string Label => new Candidate(Bits, Math.Round(Sparsity, 3)).ToString();
}

/// <summary>A policy's decision for every weight matrix.</summary>
public sealed record CompressionPlan(string Policy, IReadOnlyList<TensorChoice> Choices, string Detail)
{
    /// <summary>File bytes of the matrices (whole sectors).</summary>
    public long MatrixBytes => Choices.Sum(c => c.SectionBytes);

    /// <summary>Σ of the table's per-tensor sensitivities: what the policy optimised, not the measured KL.</summary>
    public double PredictedSensitivity => Choices.Sum(c => c.Sensitivity);

    /// <summary>The compressed weights as floats, by tensor name (for measuring the whole plan).</summary>
    public Dictionary<string, float[]> Decoded() => Choices.ToDictionary(c => c.Tensor, c => c.Encoded.Decode());
}
