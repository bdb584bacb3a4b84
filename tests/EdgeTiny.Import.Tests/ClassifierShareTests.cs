using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;

namespace EdgeTiny.Import.Tests;

/// <summary>
/// `bench --board` reports the classifier's share of a token's matrix bytes and its simulated SD time: with a
/// 32,000-token vocabulary (stories15M's shape: dim 288, 6 layers) the classifier is most of every token's read.
/// </summary>
public sealed class ClassifierShareTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public void Bench_board_reports_the_classifier_share_of_a_large_vocabulary()
    {
        SourceModel m = TinyModels.Source(TinyModels.Shape(dim: 288, hidden: 768, layers: 6, heads: 6, kvHeads: 6, vocab: 32000, seqLen: 64), seed: 5);
        string checkpoint = _dir.File("vocab32000.bin"), etb = _dir.File("vocab32000-q8.etb");
        Llama2cCheckpoint.Write(m, checkpoint);
        ModelConverter.Convert(m with { SourcePath = checkpoint }, new ConvertOptions { Policy = "none", Bits = 8 }, etb);
        CliResult r = CliRunner.Run("bench", etb, "--board", "raspberry-pi-zero-2w", "--tokens", "4", "--prompt", "d", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        var c = r.Json["classifier"]!;
        double share = (double)c["share_of_matrix_bytes"]!;
        output.WriteLine($"classifier {c["bytes"]} of {c["matrix_bytes_per_token"]} matrix bytes per token ({share:P1}), {c["sd_ms_if_streamed"]} SD ms if streamed");
        Assert.Equal("tok_embedding", (string)c["section"]!); // shared with the embedding
        Assert.Equal(32000, (int)c["rows"]!);
        // q8 rows of 288 values: 5 group scales + 288 bytes; the classifier against 6 layers of q8 matrices.
        long classifier = 32000L * (5 * 4 + 288);
        Assert.Equal(classifier, (long)c["bytes"]!);
        Assert.InRange(share, 0.55, 0.7);
        Assert.True((double)c["sd_ms_if_streamed"]! > 0);
    }

    public void Dispose() => _dir.Dispose();
}
