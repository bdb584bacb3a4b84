using System.Text.Json.Nodes;
using EdgeTiny.Host;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Cli;

/// <summary>
/// How much of a token's weight reads the classifier is (vocab × dim: with a 32,000-token vocabulary the biggest read
/// of every token): its bytes against all matrix bytes a token reads (the embedding contributes one row, unless it is
/// the shared classifier), and, with a board, the simulated SD time of reading it from the card in one command.
/// Counted from the file's sections, so the figure is the same whatever the memory plan keeps resident.
/// </summary>
public static class ClassifierShare
{
    public static JsonObject Report(BoardSession s)
    {
        EtbReader reader = s.Model.Reader;
        SectionEntry classifier = reader.Find(TensorNames.Classifier) ?? reader.Require(TensorNames.TokenEmbedding);
        bool shared = classifier.Name == TensorNames.TokenEmbedding;
        long perToken = 0;
        for (int i = 0; i < reader.SectionCount; i++)
        {
            SectionEntry e = reader.Section(i);
            if (e.Kind != SectionKind.Tensor || e.Rows <= 1) continue;
            perToken += e.Name == TensorNames.TokenEmbedding && !shared ? e.Length / e.Rows : e.Length;
        }
        var json = new JsonObject
        {
            ["section"] = classifier.Name,
            ["rows"] = classifier.Rows,
            ["cols"] = classifier.Cols,
            ["bytes"] = classifier.Length,
            ["matrix_bytes_per_token"] = perToken,
            ["share_of_matrix_bytes"] = Math.Round((double)classifier.Length / Math.Max(1, perToken), 4),
        };
        if (s.Options.Board is { } board)
        {
            var timing = board.Timing;
            json["sd_ms_if_streamed"] = Math.Round(timing.ReadNanoseconds(classifier.Offset, checked((int)classifier.Length)) / 1e6, 3);
        }
        return json;
    }
}
