using System.Text;
using System.Text.Json.Nodes;
using EdgeTiny.Converter;
using EdgeTiny.Converter.Import;
using EdgeTiny.LlamaCpp;

namespace EdgeTiny.Import.Tests;

/// <summary>
/// Byte-level BPE sources the runtime cannot encode exactly are bad input, named: a pre-tokenizer it does not implement,
/// missing merges or pre-tokenizer name, merges naming tokens that do not exist, non-special added tokens, a ByteLevel
/// pre-tokenizer that adds a prefix space. Through the CLI: exit 2, one line naming the file, nothing written.
/// </summary>
public sealed class ByteLevelBadInputTests : IDisposable
{
    private readonly TempDir _dir = new();
    private static readonly SourceTokenizer Vocabulary = ByteLevelBpeTrainer.Train(ByteLevelBpeTrainer.TrainingText, 20);
    private readonly SourceModel _model = TinyModels.Source(TinyModels.Shape(dim: 32, hidden: 64, vocab: Vocabulary.Pieces.Length), seed: 5) with { Tokenizer = Vocabulary };

    private string Gguf(string name, string? replace = null, string? with = null)
    {
        string path = _dir.File(name);
        GgufExport.Write(_model, path, "tiny");
        if (replace is not null)
        {
            byte[] b = File.ReadAllBytes(path);
            byte[] from = Encoding.ASCII.GetBytes(replace), to = Encoding.ASCII.GetBytes(with!);
            Assert.Equal(from.Length, to.Length);
            int at = b.AsSpan().IndexOf(from);
            Assert.True(at >= 0, $"{replace} not in the file");
            to.CopyTo(b, at);
            File.WriteAllBytes(path, b);
        }
        return path;
    }

    private string HfFolder(string name, Action<JsonObject> edit)
    {
        string folder = _dir.File(name);
        HfFolders.Write(_model, folder);
        string json = Path.Combine(folder, "tokenizer.json");
        var root = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        edit(root);
        File.WriteAllText(json, root.ToJsonString());
        return folder;
    }

    private static string Error(string path, string subject)
    {
        var e = Assert.Throws<InputException>(() => ModelImport.Read(path, null));
        Assert.Equal(subject, e.Subject);
        return e.Message;
    }

    [Fact]
    public void Good_gguf_and_hf_sources_read()
    {
        Assert.Equal(20, ModelImport.Read(Gguf("good.gguf"), null).Tokenizer.Merges.Length / 3);
        Assert.Equal(20, ModelImport.Read(HfFolder("good", _ => { }), null).Tokenizer.Merges.Length / 3);
    }

    [Fact]
    public void An_unknown_pre_tokenizer_is_refused_by_name()
    {
        string path = Gguf("bloom.gguf", "gpt-2", "bloom");
        Assert.Contains("pre-tokenizer 'bloom' is not supported", Error(path, path));
    }

    [Fact]
    public void Missing_merges_or_pre_tokenizer_name_are_named()
    {
        string noMerges = Gguf("no-merges.gguf", "tokenizer.ggml.merges", "tokenizer.ggml.mergez");
        Assert.Contains("tokenizer.ggml.merges is missing", Error(noMerges, noMerges));
        string noPre = Gguf("no-pre.gguf", "tokenizer.ggml.pre", "tokenizer.ggml.prx");
        Assert.Contains("tokenizer.ggml.pre is missing", Error(noPre, noPre));
    }

    [Fact]
    public void A_merge_naming_a_missing_token_is_named()
    {
        string folder = HfFolder("bad-merge", root => root["model"]!["merges"]!.AsArray().Add("zz qq"));
        Assert.Contains("merge 20 'zz qq' names a token the vocabulary does not have", Error(folder, Path.Combine(folder, "tokenizer.json")));
    }

    [Fact]
    public void Non_special_added_tokens_and_a_prefix_space_are_refused()
    {
        string added = HfFolder("added", root => root["added_tokens"]![0]!["special"] = false);
        Assert.Contains("is not special", Error(added, Path.Combine(added, "tokenizer.json")));
        string prefix = HfFolder("prefix", root => root["pre_tokenizer"]!["add_prefix_space"] = true);
        Assert.Contains("pre_tokenizer", Error(prefix, Path.Combine(prefix, "tokenizer.json")));
    }

    [Fact]
    public void Post_processors_decide_BOS_and_unknown_ones_are_named()
    {
        JsonObject Template(bool bos) => new()
        {
            ["type"] = "TemplateProcessing",
            ["single"] = bos ? new JsonArray(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<s>", ["type_id"] = 0 } }, new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } })
                             : new JsonArray(new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
        };
        bool AddsBos(string name, JsonNode? processor) => ModelImport.Read(HfFolder(name, r => r["post_processor"] = processor), null).Tokenizer.AddBos;
        Assert.True(AddsBos("none", null));
        Assert.True(AddsBos("template-bos", Template(true)));
        Assert.False(AddsBos("template", Template(false)));
        Assert.False(AddsBos("bytelevel", new JsonObject { ["type"] = "ByteLevel" }));
        Assert.True(AddsBos("sequence", new JsonObject { ["type"] = "Sequence", ["processors"] = new JsonArray(new JsonObject { ["type"] = "ByteLevel" }, Template(true)) }));
        string bert = HfFolder("bert", r => r["post_processor"] = new JsonObject { ["type"] = "BertProcessing" });
        Assert.Contains("post_processor 'BertProcessing' is not supported", Error(bert, Path.Combine(bert, "tokenizer.json")));
        // A tokenizer section with a flag this runtime does not know is refused, not half-understood.
        byte[] section = Converter.Etb.TokenizerSection.Encode(Vocabulary with { AddBos = false });
        Assert.False(new EdgeTiny.Runtime.Text.Tokenizer(section).AddsBos);
        section[16] |= 4;
        Assert.Throws<EdgeTiny.Runtime.Format.ModelFormatException>(() => new EdgeTiny.Runtime.Text.Tokenizer(section));
    }

    [Fact]
    public void The_cli_exits_2_with_one_line_naming_the_file_and_writes_nothing()
    {
        string path = Gguf("bloom.gguf", "gpt-2", "bloom");
        string output = _dir.File("out.etb");
        CliResult r = CliRunner.Run("convert", path, "-o", output);
        Assert.True(r.ExitCode == 2, r.ToString());
        string line = Assert.Single(r.ErrorLines);
        Assert.Contains(path, line);
        Assert.Contains("bloom", line);
        Assert.False(File.Exists(output));
    }

    public void Dispose() => _dir.Dispose();
}
