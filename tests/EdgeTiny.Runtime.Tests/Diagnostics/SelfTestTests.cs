using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime.Diagnostics;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Runtime.Tests.Diagnostics;

/// <summary>
/// The self-check section the converter writes and <see cref="SelfTest"/>, the program a board runs at boot: it passes
/// on correct files, fails with the right count when a weight matrix is corrupted behind fixed-up CRCs, reports nothing
/// to check on files without the section, and refuses a section of an unknown version.
/// </summary>
public sealed class SelfTestTests
{
    private sealed class Lines : ISelfTestOutput
    {
        public readonly List<string> All = [];
        public void WriteLine(string line) => All.Add(line);
    }

    private static (SelfTest Test, Lines Lines) Run(string path)
    {
        using var source = new StreamBlockSource(new MemoryStream(File.ReadAllBytes(path)), ownsStream: true);
        var test = new SelfTest(EtbModel.Load(source), new PortableKernels());
        var lines = new Lines();
        test.Run(lines);
        return (test, lines);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(32)]
    public void Demo_model_passes_every_check(int bits)
    {
        using var dir = new TempDir();
        string path = EtbEdit.ConvertDemo(dir.File("demo.etb"), bits);
        var (test, lines) = Run(path);
        Assert.True(test.HasChecks);
        Assert.Equal(3, test.CheckCount);
        Assert.Equal("3 passed, 0 failed", lines.All[^1]);
        Assert.Equal(0, test.Failed);
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(0f, test.CheckMaxError(i))); // same kernels, same sums
        Assert.Equal(5, lines.All.Count); // header, one line per check, the counts
        Assert.All(lines.All.Skip(1).Take(3), l => Assert.Contains(" pass: ", l));
    }

    [Fact]
    public void Section_is_small_versioned_and_starts_with_BOS()
    {
        using var dir = new TempDir();
        string path = EtbEdit.ConvertDemo(dir.File("demo.etb"));
        using var source = new StreamBlockSource(File.OpenRead(path), ownsStream: true);
        EtbModel model = EtbModel.Load(source);
        SectionEntry e = model.Reader.Require(TensorNames.SelfCheck);
        Assert.Equal(SectionKind.SelfCheck, e.Kind);
        Assert.InRange(e.Length, 200, 2048);
        byte[] raw = model.Reader.ReadSection(e);
        Assert.Equal(SelfCheck.Version, raw[0]);
        SelfCheck c = SelfTest.Read(model)!;
        Assert.Equal(3, c.Count);
        Assert.Equal(8, c.NewTokens);
        Assert.Equal(4, c.TopK);
        Assert.All(c.Prompts, p => Assert.Equal(EdgeTiny.Runtime.Text.Tokenizer.DefaultBos, p[0]));
        Assert.Equal(raw, c.ToBytes()); // parse ∘ write is the identity
    }

    /// <summary>Every byte of L0.wo inverted: every position of every check sees it, so all three checks fail.</summary>
    [Fact]
    public void Corrupted_weight_matrix_fails_every_check()
    {
        using var dir = new TempDir();
        string path = EtbEdit.ConvertDemo(dir.File("demo.etb"));
        EtbEdit.EditSection(path, TensorNames.Layer(0, TensorNames.Wo), payload =>
        {
            for (int i = 0; i < payload.Length; i++) payload[i] ^= 0xFF;
        });
        using (var source = new StreamBlockSource(File.OpenRead(path), ownsStream: true))
            new EtbReader(source).VerifyAll(new byte[4096]); // the CRCs do not see it
        var (test, lines) = Run(path);
        Assert.Equal(0, test.Passed);
        Assert.Equal(3, test.Failed);
        Assert.Equal("0 passed, 3 failed", lines.All[^1]);
        Assert.All(lines.All.Skip(1).Take(3), l => Assert.Contains(" FAIL: ", l));
    }

    /// <summary>
    /// One embedding row corrupted, for a token only the third check feeds: exactly that check fails — a check is per
    /// prompt, and teacher forcing keeps the others on their own inputs.
    /// </summary>
    [Fact]
    public void Corrupted_embedding_row_fails_only_the_check_that_reads_it()
    {
        using var dir = new TempDir();
        string path = EtbEdit.ConvertDemo(dir.File("demo.etb"));
        SelfCheck c;
        SectionEntry emb;
        using (var source = new StreamBlockSource(File.OpenRead(path), ownsStream: true))
        {
            EtbModel model = EtbModel.Load(source);
            c = SelfTest.Read(model)!;
            emb = model.Reader.Require(TensorNames.TokenEmbedding);
        }
        // Inputs of a check: its prompt and every stored token but the last.
        int[] Inputs(int p) => [.. c.Prompts[p], .. c.Tokens[p][..^1]];
        int token = Inputs(2).First(t => !Inputs(0).Contains(t) && !Inputs(1).Contains(t));
        int rowBytes = Codec.RowBytes(emb.Codec, emb.Param, emb.Cols, emb.GroupSize);
        int valuesAt = Codec.GroupsPerRow(emb.Cols, emb.GroupSize) * 4; // after the row's scales
        EtbEdit.EditSection(path, TensorNames.TokenEmbedding, payload =>
        {
            for (int i = token * rowBytes + valuesAt; i < (token + 1) * rowBytes; i++) payload[i] = (byte)(sbyte)-(sbyte)payload[i];
        });
        var (test, lines) = Run(path);
        Assert.True(test.CheckPassed(0));
        Assert.True(test.CheckPassed(1));
        Assert.False(test.CheckPassed(2));
        Assert.Equal("2 passed, 1 failed", lines.All[^1]);
    }

    [Fact]
    public void File_without_a_section_has_nothing_to_check()
    {
        using var dir = new TempDir();
        string path = dir.File("tiny.etb");
        EtbEdit.WriteWithoutSelfCheck(TinyModels.Source(TinyModels.Config(), seed: 3), path);
        var (test, lines) = Run(path);
        Assert.False(test.HasChecks);
        Assert.Equal(0, test.CheckCount);
        Assert.Contains("nothing to check", lines.All[0]);
        Assert.Equal("0 passed, 0 failed", lines.All[^1]);
    }

    /// <summary>A 32-token vocabulary cannot encode the fixed texts: the converter falls back to fixed token ids.</summary>
    [Fact]
    public void Tiny_vocabulary_gets_fallback_prompts_that_pass()
    {
        using var dir = new TempDir();
        SourceModel m = TinyModels.AsCheckpoint(TinyModels.Source(TinyModels.Config(), seed: 5), dir);
        string path = dir.File("tiny.etb");
        ModelConverter.Convert(m, new ConvertOptions { Policy = "none", Bits = 8 }, path);
        var (test, lines) = Run(path);
        Assert.Equal(3, test.CheckCount);
        Assert.All(test.Check.Prompts, p => Assert.All(p, t => Assert.InRange(t, 0, m.Config.VocabSize - 1)));
        Assert.Equal("3 passed, 0 failed", lines.All[^1]);
    }

    [Fact]
    public void Unknown_section_version_is_refused_cleanly()
    {
        using var dir = new TempDir();
        string path = EtbEdit.ConvertDemo(dir.File("demo.etb"));
        EtbEdit.EditSection(path, TensorNames.SelfCheck, payload => payload[0] = 2);
        using var source = new StreamBlockSource(File.OpenRead(path), ownsStream: true);
        EtbModel model = EtbModel.Load(source); // the model itself still loads
        var e = Assert.Throws<ModelFormatException>(() => new SelfTest(model, new PortableKernels()));
        Assert.Contains("version 2 is not supported", e.Message);
    }
}

/// <summary>The self-test on stories260K converted by the converter, q8 and fp32.</summary>
[Collection(Stories260KCollection.Name)]
public sealed class Stories260KSelfTestTests(ConvertedModels models)
{
    private sealed class Lines : ISelfTestOutput
    {
        public readonly List<string> All = [];
        public void WriteLine(string line) => All.Add(line);
    }

    [SharedDataTheory]
    [InlineData("q8")]
    [InlineData("f32")]
    [InlineData("q8-coactivation")]
    public void Stories260K_passes_every_check(string which)
    {
        string path = which switch { "q8" => models.Q8Path, "f32" => models.F32Path, _ => models.Q8PackedPath };
        var test = new SelfTest(ConvertedModels.Load(path), new PortableKernels());
        var lines = new Lines();
        Assert.Equal(0, test.Run(lines));
        Assert.Equal("3 passed, 0 failed", lines.All[^1]);
    }
}
