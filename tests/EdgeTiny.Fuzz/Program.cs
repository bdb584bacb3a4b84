using EdgeTiny.Fuzz;
using EdgeTiny.Fuzz.Targets;

// edgetiny-fuzz list | prepare DIR | run TARGET | replay TARGET PATH...   (see README.md)
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Out.WriteLine("usage: edgetiny-fuzz list | prepare DIR | run TARGET | replay TARGET FILE-OR-DIR...");
    return 0;
}
switch (args[0])
{
    case "list":
        foreach (FuzzTarget t in AllTargets.List) Console.Out.WriteLine($"{t.Name}\t{t.Reader}");
        return 0;
    case "prepare" when args.Length == 2:
        Seeds.Write(args[1]);
        Console.Out.WriteLine($"seeds written to {args[1]}");
        return 0;
    case "run" when args.Length == 2:
    {
        // AFL++ drives this through SharpFuzz's fork-server protocol; without AFL it runs stdin once.
        FuzzTarget target = AllTargets.Get(args[1]);
        SharpFuzz.Fuzzer.Run(stream =>
        {
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            target.Execute(ms.ToArray());
        });
        return 0;
    }
    case "replay" when args.Length >= 3:
    {
        FuzzTarget target = AllTargets.Get(args[1]);
        bool verbose = Environment.GetEnvironmentVariable("EDGETINY_FUZZ_VERBOSE") == "1";
        var files = args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p, "*", SearchOption.AllDirectories) : [p])
            .Where(f => Path.GetFileName(f) != "README.txt").ToList(); // afl-fuzz's note beside its findings
        int accepted = 0, refused = 0, crashed = 0;
        foreach (string file in files)
        {
            try
            {
                Exception? refusal = target.Execute(File.ReadAllBytes(file));
                if (refusal is null) accepted++;
                else refused++;
                if (refusal is not null && verbose) Console.Out.WriteLine($"{file}: refused: {refusal.Message}");
            }
            catch (Exception e)
            {
                crashed++;
                Console.Error.WriteLine($"{file}: {(verbose ? e.ToString() : e.GetType().Name + ": " + e.Message)}");
            }
        }
        Console.Out.WriteLine($"{target.Name}: {files.Count} inputs, {accepted} accepted, {refused} refused, {crashed} crashed");
        return crashed == 0 ? 0 : 1;
    }
    default:
        Console.Error.WriteLine($"edgetiny-fuzz: bad arguments '{string.Join(' ', args)}' (try --help)");
        return 2;
}
