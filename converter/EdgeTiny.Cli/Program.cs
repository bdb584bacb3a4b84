using System.CommandLine;
using EdgeTiny.Cli;
using EdgeTiny.Cli.Commands;

// edgetiny: convert trained models to .etb, inspect them, and run them. Commands live in Commands/, one file each.
var root = new RootCommand("EdgeTiny: compressed language models for microcontroller-class boards.")
{
    ConvertCommand.Create(),
    InspectCommand.Create(),
    RunCommand.Create(),
    EvalCommand.Create(),
    TuneCommand.Create(),
    TrainCommand.Create(),
    DemoCommand.Create(),
    BenchCommand.Create(),
    BoardsCommand.Create(),
    BoardSimCommand.Create(),
    HilCommand.Create(),
    FirmwareBoardsCommand.Create(),
};
return Cli.Invoke(root, args);
