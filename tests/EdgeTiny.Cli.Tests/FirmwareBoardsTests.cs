namespace EdgeTiny.Cli.Tests;

/// <summary>firmware/EdgeTiny.Firmware/Boards/*.cs are generated from boards/*.json: the committed files must be current.</summary>
public sealed class FirmwareBoardsTests
{
    private static string BoardsDir => Path.Combine(SharedData.RepoRoot, "firmware", "EdgeTiny.Firmware", "Boards");

    [Fact]
    public void Committed_firmware_board_files_match_the_board_profiles()
    {
        CliResult r = CliRunner.Run("firmware-boards", "--out", BoardsDir, "--check");
        Assert.True(r.ExitCode == 0, "firmware/EdgeTiny.Firmware/Boards is stale; run `edgetiny firmware-boards --out firmware/EdgeTiny.Firmware/Boards`\n" + r);
    }

    [Fact]
    public void Check_names_stale_missing_and_extra_files_and_generation_repairs_them()
    {
        using var dir = new TempDir();
        foreach (string f in Directory.GetFiles(BoardsDir, "*.cs")) File.Copy(f, dir.File(Path.GetFileName(f)));
        File.AppendAllText(dir.File("Esp32Wroom32.cs"), "// edited by hand\n");
        File.Delete(dir.File("Esp32WroverKit.cs"));
        File.WriteAllText(dir.File("OldBoard.cs"), FirmwareBoardsHeader + "boards/old-board.json.\n");

        CliResult check = CliRunner.Run("firmware-boards", "--out", dir.Path, "--check");
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("Esp32Wroom32.cs: stale", check.Stderr);
        Assert.Contains("Esp32WroverKit.cs: missing", check.Stderr);
        Assert.Contains("OldBoard.cs: no longer generated", check.Stderr);

        Assert.Equal(0, CliRunner.Run("firmware-boards", "--out", dir.Path).ExitCode);
        Assert.Equal(0, CliRunner.Run("firmware-boards", "--out", dir.Path, "--check").ExitCode);
        Assert.False(File.Exists(dir.File("OldBoard.cs")));
        foreach (string f in Directory.GetFiles(BoardsDir, "*.cs"))
            Assert.Equal(File.ReadAllText(f), File.ReadAllText(dir.File(Path.GetFileName(f))));
    }

    private const string FirmwareBoardsHeader = EdgeTiny.Cli.Commands.FirmwareBoardsCommand.Header;
}
