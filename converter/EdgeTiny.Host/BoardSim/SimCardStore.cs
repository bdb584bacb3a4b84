using EdgeTiny.Runtime.IO;

namespace EdgeTiny.Host.BoardSim;

/// <summary>
/// board-sim's card: real files. Test hook: the environment variable EDGETINY_SIM_CARD_WRITE_DELAY_MS (board-sim process
/// only) makes every file write go out in 256-byte pieces with that many milliseconds between them, so a test that kills
/// the process lands its kills inside a save (tests/EdgeTiny.Cli.Tests/BoardPowerCutTests.cs).
/// </summary>
public sealed class SimCardStore : FileStore
{
    public const string DelayVariable = "EDGETINY_SIM_CARD_WRITE_DELAY_MS";
    private readonly int _delayMs;

    private SimCardStore(int delayMs) => _delayMs = delayMs;

    public static FileStore FromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable(DelayVariable), out int ms) && ms > 0 ? new SimCardStore(ms) : new FileStore();

    public override void WriteAll(string path, byte[] data, int count)
    {
        using var s = new FileStream(path, FileMode.Create);
        for (int at = 0; at < count; at += 256)
        {
            s.Write(data, at, Math.Min(256, count - at));
            s.Flush(true);
            Thread.Sleep(_delayMs);
        }
        s.Flush(true);
    }
}
