using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.IO;

namespace EdgeTiny.TestSupport;

/// <summary>
/// stories260K converted once per test run (fp32 and q8), shared by the tests of a collection.
/// Conversion goes through the real converter into real files.
/// </summary>
public sealed class ConvertedModels : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Lazy<SourceModel> _source = new(() => Llama2cCheckpoint.Read(SharedData.Stories260K, SharedData.Tok512));
    private readonly Lazy<string> _f32;
    private readonly Lazy<string> _q8;
    private readonly Lazy<string> _q8Original;
    private readonly Lazy<string> _q8Packed;

    public ConvertedModels()
    {
        _f32 = new(() => Convert("f32.etb", new ConvertOptions { Policy = "none", Bits = 32 }));
        _q8 = new(() => Convert("q8.etb", new ConvertOptions { Policy = "none", Bits = 8 }));
        _q8Original = new(() => Convert("q8-original.etb", new ConvertOptions { Policy = "none", Bits = 8, Pack = "original" }));
        _q8Packed = new(() => Convert("q8-coactivation.etb", new ConvertOptions { Policy = "none", Bits = 8, Pack = "coactivation" }));
    }

    public SourceModel Source => _source.Value;
    public string F32Path => _f32.Value;
    public string Q8Path => _q8.Value;
    /// <summary>q8 with FFN neuron bundles in original order.</summary>
    public string Q8OriginalPath => _q8Original.Value;
    /// <summary>q8 with FFN neuron bundles in co-activation (Ripple) order.</summary>
    public string Q8PackedPath => _q8Packed.Value;
    public string Folder => _dir.Path;

    public static EtbModel Load(string path) => EtbModel.Load(new StreamBlockSource(File.OpenRead(path), ownsStream: true));

    private string Convert(string name, ConvertOptions options)
    {
        string path = _dir.File(name);
        ModelConverter.Convert(Source, options, path);
        return path;
    }

    public void Dispose() => _dir.Dispose();
}
