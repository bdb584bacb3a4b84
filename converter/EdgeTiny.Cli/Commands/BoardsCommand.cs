using System.CommandLine;
using System.Text.Json.Nodes;
using EdgeTiny.Host.Boards;
using Spectre.Console;

namespace EdgeTiny.Cli.Commands;

/// <summary>`edgetiny boards`: list and validate the board profiles.</summary>
public static class BoardsCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var command = new Command("boards", "List the board profiles (each validated against boards/board.schema.json).") { json };
        command.SetAction(parse =>
        {
            IReadOnlyList<BoardProfile> boards = BoardCatalog.LoadAll();
            if (parse.GetValue(json)) JsonOutput.Write(new JsonObject { ["boards"] = new JsonArray(boards.Select(b => (JsonNode)ToJson(b)).ToArray()) });
            else Print(boards);
            return Cli.ExitOk;
        });
        return command;
    }

    public static JsonObject ToJson(BoardProfile b) => new()
    {
        ["id"] = b.Id,
        ["name"] = b.Name,
        ["runtime"] = b.Runtime,
        ["cpu"] = new JsonObject { ["name"] = b.Cpu.Name, ["mhz"] = b.Cpu.Mhz, ["cores"] = b.Cpu.Cores },
        ["memory"] = new JsonObject { ["managed_heap_bytes"] = b.Memory.ManagedHeapBytes, ["model_budget_bytes"] = b.Memory.ModelBudgetBytes },
        ["storage"] = new JsonObject
        {
            ["kind"] = b.Storage.Kind,
            ["command_latency_us"] = b.Storage.CommandLatencyUs,
            ["bandwidth_bytes_per_second"] = b.Storage.BandwidthBytesPerSecond,
            ["sector_bytes"] = b.Storage.SectorBytes,
        },
        ["sd_pins"] = b.SdPins is null ? null : new JsonObject(b.SdPins.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        ["kernel_macs_per_second"] = b.KernelMacsPerSecond,
        ["interpreter"] = b.Interpreter is not InterpreterSpec i ? null : new JsonObject
        {
            ["instructions_per_operation"] = i.InstructionsPerOperation,
            ["glue_instructions_per_kernel_call"] = i.GlueInstructionsPerKernelCall,
            ["instructions_per_second"] = i.InstructionsPerSecond,
        },
        ["sources"] = new JsonObject(b.Sources.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
    };

    private static void Print(IReadOnlyList<BoardProfile> boards)
    {
        var table = new Table().AddColumns("id", "runtime", "cpu", "heap", "model budget", "storage", "latency", "bandwidth", "kernel MAC/s", "interpreted instr/s");
        foreach (var b in boards)
            table.AddRow(b.Id, b.Runtime, $"{b.Cpu.Name} {b.Cpu.Mhz} MHz x{b.Cpu.Cores}", Bytes(b.Memory.ManagedHeapBytes), Bytes(b.Memory.ModelBudgetBytes),
                b.Storage.Kind, $"{b.Storage.CommandLatencyUs} us", $"{b.Storage.BandwidthBytesPerSecond / 1e6:F2} MB/s", $"{b.KernelMacsPerSecond / 1e6:N0} M",
                b.Interpreter is null ? "- (JIT)" : $"{b.Interpreter.InstructionsPerSecond / 1e6:N0} M");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"{boards.Count} profiles, all valid. Sources of every number: [bold]edgetiny boards --json[/].");
    }

    private static string Bytes(long b) => b >= 1 << 20 ? $"{b / 1048576.0:F1} MB" : $"{b / 1024.0:F1} KB";
}
