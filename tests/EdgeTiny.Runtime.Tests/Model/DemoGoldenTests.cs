using EdgeTiny.Converter.Analysis;
using EdgeTiny.Converter.Import;

namespace EdgeTiny.Runtime.Tests.Model;

/// <summary>
/// The demo model converted losslessly, once for the class, and the committed golden fixture (regenerated from that
/// conversion first when <see cref="DemoGolden.RegenerateVariable"/>=1, never in CI).
/// </summary>
public sealed class DemoGoldenFixture : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Lazy<string> _path;
    private readonly Lazy<DemoGoldenFile> _golden;

    public DemoGoldenFixture()
    {
        _path = new(() => DemoGolden.ConvertF32(_dir));
        _golden = new(() =>
        {
            if (DemoGolden.RegenerateRequested)
            {
                Assert.False(SharedData.RunningInCi, "the golden fixture is never regenerated in CI");
                DemoGolden.Write(DemoGolden.Generate(Path));
            }
            return DemoGolden.Load();
        });
    }

    public string Path => _path.Value;
    public DemoGoldenFile Golden => _golden.Value;
    public EtbModel Open() => DemoGolden.Open(Path);
    public void Dispose() => _dir.Dispose();
}

/// <summary>
/// The committed demo model (models/demo, in the repository) against committed golden tokens and logits
/// (tests/EdgeTiny.Runtime.Tests/fixtures/demo-golden.json; how it is made and regenerated: <see cref="DemoGolden"/>).
/// Runs on every machine: the golden data of the reference C implementation lives in ../shared, this does not.
/// </summary>
public sealed class DemoGoldenTests(DemoGoldenFixture demo) : IClassFixture<DemoGoldenFixture>
{
    /// <summary>The fixture was made by this runtime's portable kernels: the same code gives the same floats; 1e-4 allows a
    /// different JIT's float contraction, not a different computation.</summary>
    public const float LogitTolerance = 1e-4f;

    private DemoGoldenFile Golden => demo.Golden;

    public static IEnumerable<object[]> Cases => Enumerable.Range(0, DemoModel.PromptTexts.Length).Select(i => new object[] { i });

    [Fact]
    public void Fixture_was_made_from_the_committed_demo_model()
    {
        DemoGoldenFile g = Golden;
        Assert.True(g.ModelSha256 == DemoGolden.ModelSha256(),
            $"{DemoGolden.FixturePath} was made from another {g.Model}: regenerate it on purpose (see DemoGolden) and review the diff");
        Assert.Equal(DemoModel.PromptTexts, g.Cases.Select(c => c.Prompt));
        Assert.Equal(DemoGolden.Steps, g.Steps);
        Assert.All(g.Cases, c => Assert.Equal(c.Positions.Length, c.Logits.Length));
        Assert.All(g.Cases, c => Assert.All(c.Logits, row => Assert.Equal(g.LogitsPerPosition, row.Length)));
        Assert.True(g.Cases.Sum(c => c.Generated.Length) >= DemoModel.PromptTexts.Length * DemoGolden.Steps / 2, "the golden continuations are long enough to mean something");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Prompt_encodes_to_the_golden_prompt_tokens(int index)
    {
        DemoGoldenCase c = Golden.Cases[index];
        Assert.Equal(c.PromptTokens, DemoGolden.Encode(demo.Open(), c.Prompt));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Greedy_generation_reproduces_every_golden_token(int index)
    {
        DemoGoldenCase c = Golden.Cases[index];
        Assert.Equal(c.Generated, DemoGolden.Greedy(demo.Open(), c.PromptTokens));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Teacher_forced_logits_match_the_golden_within_1e4(int index)
    {
        DemoGoldenCase c = Golden.Cases[index];
        float[][] logits = DemoGolden.Logits(demo.Open(), c.Sequence, c.Positions);
        for (int i = 0; i < c.Positions.Length; i++)
            for (int v = 0; v < logits[i].Length; v++)
                Assert.True(Math.Abs(logits[i][v] - c.Logits[i][v]) <= LogitTolerance,
                    $"{c}: position {c.Positions[i]}, token {v}: logit {logits[i][v]}, golden {c.Logits[i][v]}");
    }

    /// <summary>
    /// The fixture itself against an independent implementation: the converter's dense reference, run on the source
    /// checkpoint, picks every golden token as its argmax and gives the golden logits (tolerance as in
    /// <see cref="DenseReferenceTests.Tolerance"/>). So the fixture cannot have been made by a broken forward pass.
    /// </summary>
    [Fact]
    public void Golden_agrees_with_the_converter_dense_reference()
    {
        var dense = new DenseModel(Llama2cCheckpoint.Read(DemoModel.Checkpoint, null));
        int vocab = dense.Config.VocabSize;
        foreach (DemoGoldenCase c in Golden.Cases)
        {
            int[] seq = c.Sequence;
            float[] reference = dense.Forward(seq);
            for (int p = c.PromptTokens.Length - 1; p + 1 < seq.Length; p++)
            {
                int best = 0;
                for (int v = 1; v < vocab; v++) if (reference[p * vocab + v] > reference[p * vocab + best]) best = v;
                Assert.True(best == seq[p + 1], $"{c}: position {p}: golden token {seq[p + 1]}, dense reference argmax {best}");
            }
            for (int i = 0; i < c.Positions.Length; i++)
                for (int v = 0; v < c.Logits[i].Length; v++)
                {
                    float r = reference[c.Positions[i] * vocab + v];
                    Assert.True(Math.Abs(c.Logits[i][v] - r) <= DenseReferenceTests.Tolerance * (1 + Math.Abs(r)),
                        $"{c}: position {c.Positions[i]}, token {v}: golden {c.Logits[i][v]}, dense reference {r}");
                }
        }
    }
}
