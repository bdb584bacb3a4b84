using System.CommandLine;
using EdgeTiny.Converter;
using EdgeTiny.Host.Boards;
using EdgeTiny.Host;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Simd;

namespace EdgeTiny.Cli;

/// <summary>The flags `run` and `bench` share to run a model as a board would: --board, --budget, --kv.</summary>
public sealed class BoardOptions
{
    public Option<string?> Board { get; } = new("--board") { Description = "Run within this board's RAM budget, reading through its SD timing model (see `edgetiny boards`); bench also takes 'all'" };
    public Option<string?> Budget { get; } = new("--budget") { Description = "RAM the model may use: bytes, or with a KB/MB suffix (1 KB = 1024 B); overrides the board's budget" };
    public Option<string> Kv { get; } = new("--kv") { Description = "KV cache precision: auto (float unless RAM is short), float, int8", DefaultValueFactory = _ => "auto" };
    public Option<string> Kernels { get; } = new("--kernels") { Description = "Kernels on this machine: simd (AVX2 / Arm NEON) or portable (the scalar reference a board without native kernels runs)", DefaultValueFactory = _ => "simd" };

    public Option<bool> StreamFfn { get; } = new("--stream-ffn") { Description = "Keep FFN weights on the card whatever the budget (flash-resident FFN, as in LLM in a Flash)" };
    public Option<bool> ResidentGates { get; } = new("--resident-gates") { Description = "With --stream-ffn: keep the FFN gates in RAM when the budget has room (only neuron bundles come from the card)" };
    public Option<string?> FfnCache { get; } = new("--ffn-cache") { Description = "Packed FFNs: neuron-bundle cache size over all layers (bytes, KB, MB)" };
    public Option<bool> NoCollapse { get; } = new("--no-collapse") { Description = "Packed FFNs: read each run of active bundles on its own (no access collapse)" };

    public Option<string?> Adapters { get; } = new("--adapters") { Description = "Apply tuned adapters from this .eta file (see `edgetiny tune`)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Adapters);
        command.Options.Add(StreamFfn);
        command.Options.Add(ResidentGates);
        command.Options.Add(FfnCache);
        command.Options.Add(NoCollapse);
        command.Options.Add(Board);
        command.Options.Add(Budget);
        command.Options.Add(Kv);
        command.Options.Add(Kernels);
    }

    /// <summary>
    /// Session options from these flags — board, budget, kernels, KV precision, FFN streaming, adapters — for a context of
    /// <paramref name="context"/> positions (0 = the model's). The one place the shared flags are read.
    /// </summary>
    public SessionOptions Read(ParseResult parse, int context) => Read(parse, context, ReadBoard(parse));

    /// <summary>As <see cref="Read(ParseResult, int)"/> for a board the caller resolved (bench --board all runs each in turn).</summary>
    public SessionOptions Read(ParseResult parse, int context, BoardProfile? board) => new()
    {
        Board = board,
        BudgetBytes = ReadBudget(parse),
        Kernels = ReadKernels(parse),
        AdaptersPath = parse.GetValue(Adapters),
        Runtime = new RuntimeOptions
        {
            ContextLength = context,
            KvPrecision = ReadKv(parse),
            Ffn = new FfnStreaming
            {
                Stream = parse.GetValue(StreamFfn),
                GatesResident = parse.GetValue(ResidentGates),
                CacheBytes = parse.GetValue(FfnCache) is string c ? (int)SizeParser.Parse(c, "--ffn-cache") : 0,
                Collapse = !parse.GetValue(NoCollapse),
            },
        },
    };

    public IKernels ReadKernels(ParseResult parse) => parse.GetValue(Kernels) switch
    {
        "simd" => new SimdKernels(),
        "portable" => new PortableKernels(),
        var other => throw new InputException("--kernels", $"'{other}' must be simd or portable"),
    };

    public BoardProfile? ReadBoard(ParseResult parse)
    {
        string? id = parse.GetValue(Board);
        return id is null ? null : BoardCatalog.Find(id);
    }

    public long ReadBudget(ParseResult parse)
    {
        string? text = parse.GetValue(Budget);
        return text is null ? 0 : SizeParser.Parse(text, "--budget");
    }

    public KvPrecision ReadKv(ParseResult parse) => parse.GetValue(Kv) switch
    {
        "auto" => KvPrecision.Auto,
        "float" => KvPrecision.Float,
        "int8" => KvPrecision.Int8,
        var other => throw new InputException("--kv", $"'{other}' must be auto, float or int8"),
    };
}
