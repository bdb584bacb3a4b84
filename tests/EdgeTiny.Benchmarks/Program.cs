using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Running;
using EdgeTiny.Benchmarks;

// Usage (see README.md):
//   dotnet run -c Release --project tests/EdgeTiny.Benchmarks -- --quick [--decode [--baseline] [--steps N]] [--json out.json] [--target-ms 25]
//   dotnet run -c Release --project tests/EdgeTiny.Benchmarks -- --decode --baseline --json decode.json
//   dotnet run -c Release --project tests/EdgeTiny.Benchmarks -- --luc-curve --json results/luc-curve.json
//   dotnet run -c Release --project tests/EdgeTiny.Benchmarks -- --ffn-io --json results/ffn-io.json
//   dotnet run -c Release --project tests/EdgeTiny.Benchmarks -- --scale [--shapes stories15M,smollm2-135m] [--cases uniform-q8,luc:12MB] [--decode-tokens N] [--json results/scale.json]
//   dotnet run -c Release --project tests/EdgeTiny.Benchmarks -- --sweep-quality --json results/sweep-quality.json
//   dotnet run -c Release --project tests/EdgeTiny.Benchmarks -- [BenchmarkDotNet arguments, e.g. --filter '*']
bool quick = args.Contains("--quick"), decode = args.Contains("--decode"), luc = args.Contains("--luc-curve"), ffn = args.Contains("--ffn-io"),
    scale = args.Contains("--scale"), sweepQuality = args.Contains("--sweep-quality");
if (!quick && !decode && !luc && !ffn && !scale && !sweepQuality)
{
    BenchmarkSwitcher.FromTypes([typeof(KernelBenchmarks)]).Run(args);
    return 0;
}

string? jsonPath = Option("--json");
int steps = int.Parse(Option("--steps") ?? "256", CultureInfo.InvariantCulture);
double targetMs = double.Parse(Option("--target-ms") ?? "25", CultureInfo.InvariantCulture);
var report = new JsonObject { ["machine"] = QuickRunner.Machine() };
if (quick) report["kernels"] = QuickRunner.Run(Console.Out, targetMs);
if (decode) report["decode"] = DecodeRunner.Run(Console.Out, steps, args.Contains("--baseline"));
if (luc) report["luc_curve"] = LucCurveRunner.Run(Console.Out);
if (ffn) report["ffn_io"] = FfnIoRunner.Run(Console.Out);
if (sweepQuality) report["sweep_quality"] = SweepQualityRunner.Run(Console.Out);
if (scale)
{
    string[] shapes = (Option("--shapes") ?? "stories15M").Split(',');
    // A case is a name from ScaleRunner.DefaultCases, or luc:SIZE / edge-llm:SIZE / uniform:SIZE (a --budget).
    ScaleRunner.Case[] cases = Option("--cases") is string list
        ? [.. list.Split(',').Select(name => ScaleRunner.DefaultCases.FirstOrDefault(c => c.Name == name)
            ?? (name.Split(':') is [string policy, string size] ? new ScaleRunner.Case(name, ["--policy", policy, "--budget", size])
                : throw new ArgumentException($"--cases: unknown case '{name}'")))]
        : ScaleRunner.DefaultCases;
    int decodeTokens = int.Parse(Option("--decode-tokens") ?? "32", CultureInfo.InvariantCulture);
    double timeoutMinutes = double.Parse(Option("--timeout-minutes") ?? "60", CultureInfo.InvariantCulture);
    report["scale"] = ScaleRunner.Run(Console.Out, shapes, cases, decodeTokens, TimeSpan.FromMinutes(timeoutMinutes));
}
string json = report.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
if (jsonPath is null) Console.WriteLine(json);
else
{
    File.WriteAllText(jsonPath, json + "\n");
    Console.WriteLine($"wrote {jsonPath}");
}
return 0;

string? Option(string name)
{
    int i = Array.IndexOf(args, name);
    if (i < 0) return null;
    if (i + 1 >= args.Length) throw new ArgumentException($"{name} needs a value");
    return args[i + 1];
}
