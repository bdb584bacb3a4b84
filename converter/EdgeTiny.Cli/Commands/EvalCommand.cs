using System.CommandLine;
using System.Text.Json.Nodes;
using EdgeTiny.Converter;
using EdgeTiny.Converter.Analysis;
using EdgeTiny.Host;
using EdgeTiny.Converter.Import;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Reports.Pages;
using Spectre.Console;

namespace EdgeTiny.Cli.Commands;

/// <summary>
/// `edgetiny eval`: how good an .etb model is, measured with the runtime — against the source model on text sampled
/// from it (KL, top-1 agreement, perplexity), or on a text file (loss and perplexity).
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The .etb file" };
        var text = new Option<string?>("--text") { Description = "Text file to measure loss and perplexity on" };
        var reference = new Option<string?>("--reference") { Description = "The source checkpoint (llama2.c .bin): compare against it on text it samples" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer of the reference checkpoint (default: beside it)" };
        var sequences = new Option<int>("--sequences") { Description = "Sequences to evaluate on", DefaultValueFactory = _ => 8 };
        var length = new Option<int>("--length") { Description = "Tokens per sequence", DefaultValueFactory = _ => 128 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the text sampled from the reference (differs from the converter's calibration seed)", DefaultValueFactory = _ => 4321 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var board = new BoardOptions();
        var report = new ReportOption();
        var command = new Command("eval", "Measure an .etb model: KL and top-1 against its source model, or perplexity on a text.")
        {
            model, text, reference, tokenizer, sequences, length, seed, json,
        };
        board.AddTo(command);
        report.AddTo(command);
        command.SetAction(parse =>
        {
            report.Check(parse);
            string? textPath = parse.GetValue(text), refPath = parse.GetValue(reference);
            if (textPath is null && refPath is null) throw new InputException("--text", "give --text FILE or --reference SOURCE.bin (or both)");
            int count = parse.GetValue(sequences), len = parse.GetValue(length);
            Cli.Require(count > 0, "--sequences", $"{count} must be > 0");
            Cli.Require(len > 1, "--length", $"{len} must be > 1");
            string path = parse.GetValue(model)!;

            SourceModel? source = refPath is null ? null : ModelImport.Read(refPath, parse.GetValue(tokenizer));
            TokenSequences seqs = textPath is not null
                ? FromText(textPath, EtbFile.ReadHead(path), count, len)
                : TokenSequences.SampleFromModel(source!, count, len, parse.GetValue(seed));
            int context = seqs.Sequences.Max(s => s.Length);
            using BoardSession session = BoardSession.Open(path, board.Read(parse, context));
            if (source is not null && source.Config.VocabSize != session.Model.Config.VocabSize)
                throw new InputException(refPath!, $"vocabulary {source.Config.VocabSize} differs from the model's {session.Model.Config.VocabSize}");
            Transformer? referenceModel = source is null ? null
                : ReferenceRuntime.Open(source).CreateTransformer(board.ReadKernels(parse), Math.Min(context, source.Config.SeqLen));
            EvalResult r = Evaluation.Run(session.Transformer, referenceModel, seqs, session.Hooks);

            var result = new JsonObject
            {
                ["model"] = path,
                ["text"] = seqs.Source,
                ["sequences"] = seqs.Sequences.Length,
                ["positions"] = r.Positions,
                ["loss_nats_per_token"] = Math.Round(r.LossNatsPerToken, 5),
                ["perplexity"] = Math.Round(r.Perplexity, 4),
                ["kl"] = r.Kl is double kl ? Math.Round(kl, 6) : null,
                ["top1_agreement"] = r.Top1Agreement is double a ? Math.Round(a, 5) : null,
                ["reference_perplexity"] = r.ReferencePerplexity is double rp ? Math.Round(rp, 4) : null,
                ["file_bytes"] = new FileInfo(path).Length,
            };
            report.WriteIfAsked(parse, result, EvalReport.Build);
            if (parse.GetValue(json)) JsonOutput.Write(result);
            else
            {
                var table = new Table().AddColumns("measure", "value");
                foreach (var (k, v) in result) table.AddRow(k, v?.ToJsonString() ?? "-");
                AnsiConsole.Write(table);
            }
            return Cli.ExitOk;
        });
        return command;
    }

    private static TokenSequences FromText(string path, (EdgeTiny.Runtime.Model.ModelConfig Config, EdgeTiny.Runtime.Text.Tokenizer Tokenizer) head, int count, int length) =>
        TokenSequences.FromText(path, head.Tokenizer, head.Config.SeqLen, count, length, "--text");
}
