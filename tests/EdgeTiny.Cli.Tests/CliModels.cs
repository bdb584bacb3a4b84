namespace EdgeTiny.Cli.Tests;

/// <summary>stories260K converted once through the real `edgetiny convert` (fp32 and q8), shared by the CLI tests.</summary>
public sealed class CliModels : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Lazy<string> _f32, _q8;

    public CliModels()
    {
        _f32 = new(() => Convert("f32.etb", "--bits", "32"));
        _q8 = new(() => Convert("q8.etb", "--bits", "8"));
    }

    public string F32 => _f32.Value;
    public string Q8 => _q8.Value;

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
