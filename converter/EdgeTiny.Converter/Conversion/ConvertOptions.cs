namespace EdgeTiny.Converter.Conversion;

/// <summary>How to compress a model. Validated by <see cref="Validate"/>; the CLI maps flags onto this.</summary>
public sealed record ConvertOptions
{
    /// <summary>none: the same codec for every matrix (set by Bits); uniform: the same, named as a compression policy.</summary>
    public string Policy { get; init; } = "none";

    /// <summary>32 = float32 (lossless), 8 = group-symmetric int8.</summary>
    public int Bits { get; init; } = 32;

    /// <summary>Values per quantization scale, along a row.</summary>
    public int GroupSize { get; init; } = 64;

    public static readonly string[] Policies = ["none", "uniform"];
    public static readonly int[] SupportedBits = [32, 8];

    public void Validate()
    {
        if (!Policies.Contains(Policy))
            throw new InputException("--policy", $"'{Policy}' is not available in this version (supported: {string.Join(", ", Policies)})");
        if (!SupportedBits.Contains(Bits))
            throw new InputException("--bits", $"{Bits} is not supported (supported: {string.Join(", ", SupportedBits)})");
        if (GroupSize < 1 || GroupSize > 4096)
            throw new InputException("--group-size", $"{GroupSize} is out of range (1..4096)");
    }
}
