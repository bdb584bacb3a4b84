using System.CommandLine;
using System.Text.Json.Nodes;
using EdgeTiny.Reports;

namespace EdgeTiny.Cli;

/// <summary>`--report FILE.html`: the commands that report also draw their JSON as one self-contained page.</summary>
public sealed class ReportOption
{
    public Option<string?> Option { get; } = new("--report") { Description = "Also write a self-contained HTML page with charts of this run's results (its JSON embedded)" };

    public void AddTo(Command command) => command.Options.Add(Option);

    /// <summary>Checked before the command works, so a bad path fails at once (exit 2), not after a long run.</summary>
    public void Check(ParseResult parse)
    {
        if (parse.GetValue(Option) is not string path) return;
        if (Directory.Exists(path)) throw new Converter.InputException(path, "--report must name a file, not a folder");
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && File.Exists(dir)) throw new Converter.InputException(path, "--report: its folder is a file");
    }

    /// <summary>Writes the page built from the command's JSON when --report was given (crash-safely; the folder is created).</summary>
    public void WriteIfAsked(ParseResult parse, JsonObject result, Func<JsonObject, ReportPage> build)
    {
        if (parse.GetValue(Option) is not string path) return;
        build(result).Write(path);
    }
}
