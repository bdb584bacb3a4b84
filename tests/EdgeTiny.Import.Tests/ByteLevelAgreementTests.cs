using System.Text;
using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.LlamaCpp;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Import.Tests;

/// <summary>
/// GPT-2-style byte-level BPE against llama.cpp: a vocabulary of 300 merges trained on the project's story text, written
/// with a generated model as a GGUF file (tokenizer.ggml.model gpt2, pre gpt-2, BOS/EOS and a padding control token = its last three ids) by ggml's
/// writer, and as a Hugging Face folder with a ByteLevel tokenizer.json; both converted by our importer. llama.cpp
/// tokenizes the same texts on the GGUF file, computes logits and decodes greedily.
/// </summary>
[Collection(GgufCollection.Name)]
public sealed class ByteLevelAgreementTests(GgufFiles files, ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    /// <summary>The SentencePiece agreement's texts, and more of what byte-level pre-tokenizers split on.</summary>
    public static readonly string[] Texts =
    [
        .. TokenizerAgreementTests.Texts,
        "I'll we've they're you'd he's she'd it'll", "DON'T WON'T I'M", "'quoted' with 'single' quotes'", "12345678901234567890",
        "x½y²z ⅷ ٣٤٥", "\u00a0non-breaking\u2003em space\u3000ideographic", "  \n\n  \t\t  \r\n", "tabs\t\t\tand  spaces   mixed \t \n",
        "Brindle the otter lived in Marrowick, a harbor town with a blue lighthouse.", "((nested)) [[x]] {{y}} !!! ??? ...", "🦙🦙🦙 llama llama 🦙",
        "In 2027 the harbor had 1,500 boats and 100 nets.", "    if (boats > 100) {\n        count += 1;\n    }\n", "IT'S BRINDLE'S BOAT!",
        "Windows line ends.\r\nSecond line.\r\n", "Call 555-0199 at 10:30.\n\n  Next paragraph",
    ];

    private EtbModel Converted(string source) => GgufFiles.Load(ConvertOnce(source));

    private readonly Dictionary<string, string> _etbs = [];

    private string ConvertOnce(string source)
    {
        if (_etbs.TryGetValue(source, out string? etb)) return etb;
        etb = _dir.File(Path.GetFileName(source) + ".etb");
        ModelConverter.Convert(ModelImport.Read(source, null), new ConvertOptions { Policy = "none", Bits = 32 }, etb);
        return _etbs[source] = etb;
    }

    private string HfFolder()
    {
        string folder = _dir.File("hf-bytelevel");
        if (!Directory.Exists(folder)) HfFolders.Write(files.ByteLevel, folder);
        return folder;
    }

    /// <summary>llama.cpp's tokens for every text against ours: how many llama.cpp tokens, and each text that differs.</summary>
    private static (int Tokens, List<string> Failures) Compare(LlamaCppModel llama, Tokenizer ours)
    {
        int tokens = 0;
        var failures = new List<string>();
        foreach (string text in Texts)
        {
            int[] theirs = llama.Tokenize(text, bos: true), mine = Encode(ours, text);
            tokens += theirs.Length;
            if (!theirs.SequenceEqual(mine)) failures.Add($"\"{text}\": llama.cpp [{string.Join(",", theirs)}], ours [{string.Join(",", mine)}]");
        }
        return (tokens, failures);
    }

    private static int[] Encode(Tokenizer t, string text)
    {
        var buffer = new int[Tokenizer.MaxTokens(Encoding.UTF8.GetByteCount(text))];
        return buffer[..t.Encode(text, true, false, buffer)];
    }

    [Fact]
    public void The_trained_vocabulary_has_hundreds_of_merges_and_BOS_EOS_beyond_1_and_2()
    {
        SourceTokenizer t = files.ByteLevel.Tokenizer;
        output.WriteLine($"{t.Pieces.Length} tokens, {t.Merges.Length / 3} merges, BOS {t.Bos}, EOS {t.Eos}");
        Assert.Equal(300, t.Merges.Length / 3);
        Assert.Equal(t.Pieces.Length - 3, t.Bos);
        EtbModel m = Converted(files.File("bytelevel"));
        Assert.Equal(Tokenizer.KindByteLevel, m.Tokenizer.Kind);
        Assert.Equal((t.Bos, t.Eos), (m.Tokenizer.Bos, m.Tokenizer.Eos));
        Assert.Equal((t.Bos, t.Eos), (m.Config.BosToken, m.Config.EosToken));
    }

    [Fact]
    public void Our_token_ids_equal_llama_cpp_for_every_text_from_gguf_and_from_the_hf_folder()
    {
        using var llama = new LlamaCppModel(files.File("bytelevel"));
        foreach (var (label, m) in new[] { ("gguf", Converted(files.File("bytelevel"))), ("hf", Converted(HfFolder())) })
        {
            var (tokens, failures) = Compare(llama, m.Tokenizer);
            output.WriteLine($"{label}: {Texts.Length} texts, {tokens} llama.cpp tokens, {failures.Count} mismatching texts");
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
    }

    /// <summary>
    /// The other pre-tokenizers llama.cpp names and the runtime implements, on the same vocabulary: llama-bpe (Llama 3's
    /// split; llama.cpp then also skips merging a word that is a whole token), smollm (every digit alone) and qwen2 (Llama
    /// 3's split with single digits; llama.cpp runs it through its general regex path, not a hand-written one).
    /// </summary>
    [Theory]
    [InlineData("llama-bpe")]
    [InlineData("smollm")]
    [InlineData("qwen2")]
    public void Llama3_SmolLM_and_Qwen2_pre_tokenizers_give_llama_cpp_token_ids(string pre)
    {
        int kind = ByteLevelVocabulary.PreTokenizerOf(pre, pre);
        SourceModel source = files.ByteLevel with
        {
            Tokenizer = files.ByteLevel.Tokenizer with { PreTokenizer = kind, IgnoreMerges = kind == PreTokenizer.Llama3 },
        };
        string gguf = _dir.File($"bytelevel-{pre}.gguf");
        GgufExport.Write(source, gguf, pre);
        EtbModel m = Converted(gguf);
        Assert.Equal(kind, m.Tokenizer.PreTokenizerKind);
        using var llama = new LlamaCppModel(gguf);
        using var gpt2 = new LlamaCppModel(files.File("bytelevel"));
        var (tokens, failures) = Compare(llama, m.Tokenizer);
        int differentFromGpt2 = Texts.Count(text => !llama.Tokenize(text, bos: true).SequenceEqual(gpt2.Tokenize(text, bos: true)));
        output.WriteLine($"{pre}: {Texts.Length} texts ({differentFromGpt2} tokenized otherwise than with gpt-2), {tokens} llama.cpp tokens, {failures.Count} mismatching texts");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(differentFromGpt2 >= 3, $"only {differentFromGpt2} texts show the pre-tokenizer at work");

        // The same pre-tokenizer as a tokenizer.json spells it converts to the same tokenizer section.
        string folder = _dir.File($"hf-{pre}");
        HfFolders.Write(source, folder);
        string json = Path.Combine(folder, "tokenizer.json");
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(json))!;
        System.Text.Json.Nodes.JsonObject ByteLevelPre(bool regex) => new() { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = regex };
        System.Text.Json.Nodes.JsonObject first = kind == PreTokenizer.SmolLm
            ? new() { ["type"] = "Digits", ["individual_digits"] = true }
            : new() { ["type"] = "Split", ["pattern"] = new System.Text.Json.Nodes.JsonObject { ["Regex"] = kind == PreTokenizer.Qwen2 ? Converter.Import.HuggingFace.HfTokenizer.Qwen2Pattern : Converter.Import.HuggingFace.HfTokenizer.Llama3Pattern }, ["behavior"] = "Isolated", ["invert"] = false };
        root["pre_tokenizer"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "Sequence", ["pretokenizers"] = new System.Text.Json.Nodes.JsonArray(first, ByteLevelPre(kind == PreTokenizer.SmolLm)) };
        root["model"]!["ignore_merges"] = kind == PreTokenizer.Llama3;
        File.WriteAllText(json, root.ToJsonString());
        Assert.Equal(Converter.Etb.TokenizerSection.Encode(ModelImport.Read(gguf, null).Tokenizer), Converter.Etb.TokenizerSection.Encode(ModelImport.Read(folder, null).Tokenizer));
    }

    /// <summary>
    /// A vocabulary whose own tokenizer adds no BOS (GPT-2's, SmolLM's: add_bos_token = false in the GGUF, a ByteLevel
    /// post-processor in tokenizer.json): llama.cpp's tokens start without one and so do ours, from both sources. An empty
    /// prompt still gets BOS, the one token that means "nothing yet" (llama.cpp gives none and cannot start from it).
    /// </summary>
    [Fact]
    public void A_vocabulary_without_add_bos_gets_llama_cpp_token_ids_without_BOS_from_gguf_and_hf()
    {
        SourceModel source = files.ByteLevel with { Tokenizer = files.ByteLevel.Tokenizer with { AddBos = false } };
        string gguf = _dir.File("bytelevel-nobos.gguf");
        GgufExport.Write(source, gguf, "nobos");
        string folder = _dir.File("hf-nobos");
        HfFolders.Write(source, folder);
        using var llama = new LlamaCppModel(gguf);
        foreach (var (label, m) in new[] { ("gguf", Converted(gguf)), ("hf", Converted(folder)) })
        {
            Assert.False(m.Tokenizer.AddsBos);
            var (tokens, failures) = Compare(llama, m.Tokenizer);
            output.WriteLine($"no BOS, {label}: {Texts.Length} texts, {tokens} llama.cpp tokens, {failures.Count} mismatching texts (the empty one, by design)");
            // The one deliberate difference: llama.cpp gives no token for "", the runtime gives BOS to start from.
            Assert.Equal([$"\"\": llama.cpp [], ours [{source.Tokenizer.Bos}]"], failures);
            Assert.NotEqual(source.Tokenizer.Bos, Encode(m.Tokenizer, "Brindle the otter")[0]);
        }
        Assert.Equal(Converter.Etb.TokenizerSection.Encode(ModelImport.Read(gguf, null).Tokenizer),
            Converter.Etb.TokenizerSection.Encode(ModelImport.Read(folder, null).Tokenizer));
        Assert.True(Converted(files.File("bytelevel")).Tokenizer.AddsBos);
    }

    [Fact]
    public void The_hf_folder_and_the_gguf_file_give_the_same_tokenizer_section()
    {
        Assert.Equal(Converter.Etb.TokenizerSection.Encode(ModelImport.Read(files.File("bytelevel"), null).Tokenizer),
            Converter.Etb.TokenizerSection.Encode(ModelImport.Read(HfFolder(), null).Tokenizer));
    }

    [Fact]
    public void Decoding_our_tokens_gives_every_text_back_and_agrees_with_llama_cpp_piece_by_piece()
    {
        EtbModel m = Converted(files.File("bytelevel"));
        using var llama = new LlamaCppModel(files.File("bytelevel"));
        var piece = new byte[m.Tokenizer.MaxTokenLength + 1];
        foreach (string text in Texts)
        {
            int[] tokens = Encode(m.Tokenizer, text);
            var bytes = new List<byte>();
            for (int i = 1; i < tokens.Length; i++)
            {
                int n = m.Tokenizer.Decode(tokens[i - 1], tokens[i], piece, 0);
                Assert.Equal(llama.Piece(tokens[i]), piece[..n]);
                bytes.AddRange(piece[..n]);
            }
            Assert.Equal(text, Encoding.UTF8.GetString([.. bytes]));
        }
        // Control tokens decode to nothing, as llama.cpp's pieces of them (special tokens invisible).
        foreach (int control in new[] { m.Tokenizer.Bos, m.Tokenizer.Eos, m.Tokenizer.VocabSize - 1 })
        {
            Assert.Equal(0, m.Tokenizer.Decode(0, control, piece, 0));
            Assert.Empty(llama.Piece(control));
        }
    }

    [Fact]
    public void Logits_match_llama_cpp_and_the_generator_gives_llama_cpp_greedy_tokens()
    {
        EtbModel m = Converted(files.File("bytelevel"));
        using var llama = new LlamaCppModel(files.File("bytelevel"));
        string[] prompts = ["Brindle the otter", "One day, Quilla said", "The lighthouse was"];
        int generated = 0;
        foreach (string prompt in prompts)
        {
            int[] tokens = Encode(m.Tokenizer, prompt);
            Assert.Equal(llama.Tokenize(prompt, bos: true), tokens);
            int[] theirs = llama.Greedy(tokens, 24);
            int[] all = [.. tokens, .. theirs];
            var a = LogitAgreement.Of(llama.Logits(all), GgufFiles.OurLogits(m, all));
            output.WriteLine($"\"{prompt}\": {all.Length} positions, max rel {a.MaxRelative:E2}, mean KL {a.MeanKl:E2}, top-1 {a.Top1Agreements}/{a.Positions}");
            Assert.True(a.MaxRelative <= 1e-4, $"largest relative logit difference {a.MaxRelative:E2} > 1e-4");
            Assert.Equal(a.Positions, a.Top1Agreements);

            // The runtime's Generator stops at the vocabulary's BOS/EOS (not at ids 1 and 2): llama.cpp's tokens up to the first of them.
            int[] expected = [.. theirs.TakeWhile(t => t != m.Tokenizer.Bos && t != m.Tokenizer.Eos)];
            var kernels = new PortableKernels();
            var g = new Generator(m.CreateTransformer(kernels, m.Config.SeqLen), m.CreateSampler(0f, 0.9f, 1, kernels));
            g.Start(tokens, tokens.Length, 24);
            var ours = new List<int>();
            for (int t = g.Next(); t >= 0; t = g.Next()) ours.Add(t);
            Assert.Equal(expected, ours);
            generated += ours.Count;
        }
        output.WriteLine($"{prompts.Length} prompts, {generated} greedy tokens equal");
    }

    [Fact]
    public void The_cli_converts_the_gguf_file_and_runs_it_on_a_board_with_llama_cpp_greedy_tokens()
    {
        string etb = _dir.File("cli-bytelevel.etb");
        CliResult convert = CliRunner.Run("convert", files.File("bytelevel"), "--policy", "none", "--bits", "32", "-o", etb);
        Assert.True(convert.ExitCode == 0, convert.ToString());
        CliResult run = CliRunner.Run("run", etb, "--prompt", "Brindle the otter", "--steps", "12", "--temperature", "0", "--board", "esp32-s3-devkitc-1-n8r8", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var json = System.Text.Json.Nodes.JsonNode.Parse(run.Stdout)!;
        int[] prompt = [.. json["prompt_tokens"]!.AsArray().Select(n => (int)n!)], tokens = [.. json["tokens"]!.AsArray().Select(n => (int)n!)];
        using var llama = new LlamaCppModel(files.File("bytelevel"));
        Assert.Equal(llama.Tokenize("Brindle the otter", bos: true), prompt);
        Assert.Equal(llama.Greedy(prompt, 12), tokens);
        Assert.Equal(Encoding.UTF8.GetString([.. tokens.SelectMany(llama.Piece)]), (string)json["text"]!);
    }

    public void Dispose() => _dir.Dispose();
}
