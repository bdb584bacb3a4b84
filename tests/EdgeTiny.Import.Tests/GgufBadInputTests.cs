using System.Text;
using EdgeTiny.Converter;
using EdgeTiny.Converter.Import;
using EdgeTiny.LlamaCpp;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Import.Tests;

/// <summary>
/// Damaged or unsupported GGUF files (written by ggml's writer, then edited) are bad input: one error naming the file
/// and the problem, never an exception from deep inside; through the CLI, exit 2, one line, no output file.
/// </summary>
public sealed class GgufBadInputTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly SourceModel _model = TinyModels.Source(TinyModels.Shape(dim: 32, hidden: 64, vocab: 24), seed: 3);

    private string Good(string name = "good.gguf", bool tokenizer = true, SourceModel? model = null)
    {
        string path = _dir.File(name);
        GgufExport.Write(model ?? _model, path, "tiny", tokenizer: tokenizer);
        return path;
    }

    private static string Error(string path) => Assert.Throws<InputException>(() => ModelImport.Read(path, null)) is var e && e.Subject == path
        ? e.Message : throw new Xunit.Sdk.XunitException($"the error names {e.Subject}, not {path}: {e.Message}");

    [Fact]
    public void A_good_file_reads()
    {
        SourceModel m = ModelImport.Read(Good(), null);
        Assert.Equal(_model.Tensors.Count, m.Tensors.Count);
        foreach (SourceTensor t in _model.Tensors) Assert.Equal(t.Data, m.Tensor(t.Name).Data);
    }

    [Fact]
    public void Truncated_tensor_data_is_named()
    {
        string path = Good();
        byte[] b = File.ReadAllBytes(path);
        File.WriteAllBytes(path, b[..(b.Length - 100)]);
        Assert.Contains("truncated: tensor", Error(path));
    }

    [Fact]
    public void Truncated_header_is_named()
    {
        string path = Good();
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..300]);
        Assert.Contains("truncated", Error(path));
    }

    [Fact]
    public void An_unknown_tensor_type_is_named_with_the_tensor()
    {
        string path = Good();
        byte[] b = File.ReadAllBytes(path);
        // output_norm.weight's info: name, u32 dims = 1, u64 ne0, u32 type. Make the type Q2_K (10).
        int at = IndexOf(b, "output_norm.weight") + "output_norm.weight".Length + 4 + 8;
        Assert.Equal(0, BitConverter.ToInt32(b, at));
        BitConverter.GetBytes(10).CopyTo(b, at);
        File.WriteAllBytes(path, b);
        string message = Error(path);
        Assert.Contains("output_norm.weight", message);
        Assert.Contains("Q2_K", message);
    }

    [Fact]
    public void An_unsupported_architecture_is_named()
    {
        string path = Good();
        byte[] b = File.ReadAllBytes(path);
        int at = IndexOf(b, "general.architecture") + "general.architecture".Length + 4 + 8;
        Encoding.ASCII.GetBytes("mamba").CopyTo(b, at);
        File.WriteAllBytes(path, b);
        Assert.Contains("architecture 'mamba' is not supported", Error(path));
    }

    [Fact]
    public void Version_1_is_refused()
    {
        string path = Good();
        byte[] b = File.ReadAllBytes(path);
        BitConverter.GetBytes(1).CopyTo(b, 4);
        File.WriteAllBytes(path, b);
        Assert.Contains("GGUF version 1 is not supported", Error(path));
    }

    [Fact]
    public void Tensor_shapes_that_disagree_with_the_metadata_are_named()
    {
        // Metadata says hidden 48, the tensors hold 64.
        ModelConfig c = _model.Config;
        var lying = new ModelConfig
        {
            Dim = c.Dim, HiddenDim = 48, Layers = c.Layers, Heads = c.Heads, KvHeads = c.KvHeads, VocabSize = c.VocabSize, SeqLen = c.SeqLen,
            SharedClassifier = c.SharedClassifier,
        };
        string path = Good("lying.gguf", model: _model with { Config = lying });
        string message = Error(path);
        Assert.Contains("blk.0.ffn_gate.weight has shape [32, 64]", message);
    }

    [Fact]
    public void A_file_without_a_tokenizer_is_named()
    {
        Assert.Contains("has no tokenizer", Error(Good("untokenized.gguf", tokenizer: false)));
    }

    [Fact]
    public void The_cli_exits_2_with_one_line_and_writes_nothing()
    {
        string path = Good();
        byte[] b = File.ReadAllBytes(path);
        File.WriteAllBytes(path, b[..(b.Length - 100)]);
        string output = _dir.File("out.etb");
        CliResult r = CliRunner.Run("convert", path, "-o", output);
        Assert.True(r.ExitCode == 2, r.ToString());
        string line = Assert.Single(r.ErrorLines);
        Assert.Contains(path, line);
        Assert.Contains("truncated", line);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp"));
    }

    [Fact]
    public void The_cli_converts_a_gguf_file()
    {
        string output = _dir.File("tiny.etb");
        CliResult r = CliRunner.Run("convert", Good(), "-o", output, "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(new FileInfo(output).Length > 0);
        CliResult inspect = CliRunner.Run("inspect", output, "--verify", "--json");
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Contains("gguf-v3-F32", inspect.Stdout);
    }

    private static int IndexOf(byte[] haystack, string needle)
    {
        byte[] n = Encoding.ASCII.GetBytes(needle);
        int at = haystack.AsSpan().IndexOf(n);
        Assert.True(at >= 0, $"{needle} not found");
        return at;
    }

    public void Dispose() => _dir.Dispose();
}
