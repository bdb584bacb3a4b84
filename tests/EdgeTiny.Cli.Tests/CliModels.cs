namespace EdgeTiny.Cli.Tests;

/// <summary>stories260K converted once through the real `edgetiny convert` (fp32, q8 and q8 packed), shared by the CLI tests.</summary>
public sealed class CliModels : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Lazy<string> _f32, _q8, _q8Packed;

    public CliModels()
    {
        _f32 = new(() => Convert("f32.etb", "--bits", "32"));
        _q8 = new(() => Convert("q8.etb", "--bits", "8"));
        _q8Packed = new(() => Convert("q8-packed.etb", "--bits", "8", "--pack", "coactivation"));
    }

    public string F32 => _f32.Value;
    public string Q8 => _q8.Value;
    /// <summary>q8 with every FFN as neuron bundles in co-activation order.</summary>
    public string Q8Packed => _q8Packed.Value;

    private string Convert(string name, params string[] flags)
    {
        string output = _dir.File(name);
        CliResult r = CliRunner.Run(["convert", SharedData.Stories260K, "--tokenizer", SharedData.Tok512, .. flags, "-o", output, "--json"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return output;
    }

    public void Dispose() => _dir.Dispose();
}

[CollectionDefinition(Name)]
public sealed class CliCollection : ICollectionFixture<CliModels>
{
    public const string Name = "cli";
}
