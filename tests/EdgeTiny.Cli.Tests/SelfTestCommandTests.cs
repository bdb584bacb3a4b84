using System.Text.Json.Nodes;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Cli.Tests;

/// <summary>
/// `edgetiny inspect --self-test`: exit 0 when every check passes, 1 when one fails (a finding), 2 for a file without a
/// self-check section or a bad file. The demo model runs everywhere; stories260K needs ../shared.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class SelfTestCommandTests(CliModels models)
{
    private static string ConvertDemo(TempDir dir)
    {
        string path = dir.File("demo.etb");
        CliResult c = CliRunner.Run("convert", DemoModel.Checkpoint, "--bits", "8", "-o", path);
        Assert.True(c.ExitCode == 0, c.ToString());
        return path;
    }

    private static string LastLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];

    [Fact]
    public void Demo_model_passes_with_simd_and_portable_kernels()
    {
        using var dir = new TempDir();
        string path = ConvertDemo(dir);
        foreach (string kernels in new[] { "simd", "portable" })
        {
            CliResult r = CliRunner.Run("inspect", path, "--self-test", "--kernels", kernels);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("3 passed, 0 failed", LastLine(r.Stdout));
        }
        CliResult j = CliRunner.Run("inspect", path, "--self-test", "--json");
        Assert.True(j.ExitCode == 0, j.ToString());
        JsonObject s = j.Json["self_test"]!.AsObject();
        Assert.Equal(3, (int)s["passed"]!);
        Assert.Equal(0, (int)s["failed"]!);
        Assert.Equal(3, s["checks"]!.AsArray().Count);
        Assert.All(s["checks"]!.AsArray(), c => Assert.True((bool)c!["passed"]!));
        Assert.All(s["checks"]!.AsArray(), c => Assert.Equal(8, (int)c!["tokens_matched"]!));
    }

    [Fact]
    public void Corrupted_weight_matrix_exits_1_with_three_failures()
    {
        using var dir = new TempDir();
        string path = ConvertDemo(dir);
        EtbEdit.EditSection(path, TensorNames.Layer(0, TensorNames.Wo), payload =>
        {
            for (int i = 0; i < payload.Length; i++) payload[i] ^= 0xFF;
        });
        CliResult verify = CliRunner.Run("inspect", path, "--verify");
        Assert.True(verify.ExitCode == 0, verify.ToString()); // every CRC matches: only the self-test sees it
        CliResult r = CliRunner.Run("inspect", path, "--self-test");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("0 passed, 3 failed", LastLine(r.Stdout));
        CliResult j = CliRunner.Run("inspect", path, "--self-test", "--json");
        Assert.Equal(1, j.ExitCode);
        Assert.Equal(3, (int)j.Json["self_test"]!["failed"]!);
        Assert.Equal(0, (int)j.Json["self_test"]!["passed"]!);
    }

    [Fact]
    public void File_without_a_section_exits_2_naming_the_file()
    {
        using var dir = new TempDir();
        string path = dir.File("old.etb");
        EtbEdit.WriteWithoutSelfCheck(TinyModels.Source(TinyModels.Config(), seed: 1), path);
        CliResult plain = CliRunner.Run("inspect", path);
        Assert.True(plain.ExitCode == 0, plain.ToString()); // it still inspects (and loads) as before
        CliResult r = CliRunner.Run("inspect", path, "--self-test");
        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.ErrorLines);
        Assert.Contains(path, line);
        Assert.Contains("no self-check section", line);
    }

    [Fact]
    public void Bad_file_or_unknown_section_version_exits_2()
    {
        using var dir = new TempDir();
        string junk = dir.File("junk.etb");
        File.WriteAllBytes(junk, new byte[1000]);
        CliResult r = CliRunner.Run("inspect", junk, "--self-test");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(junk, Assert.Single(r.ErrorLines));

        string path = ConvertDemo(dir);
        EtbEdit.EditSection(path, TensorNames.SelfCheck, payload => payload[0] = 9);
        CliResult v = CliRunner.Run("inspect", path, "--self-test");
        Assert.Equal(2, v.ExitCode);
        string line = Assert.Single(v.ErrorLines);
        Assert.Contains(path, line);
        Assert.Contains("version 9 is not supported", line);
    }

    [Fact]
    public void Help_states_the_exit_codes()
    {
        CliResult r = CliRunner.Run("inspect", "--help");
        Assert.Equal(0, r.ExitCode);
        string help = string.Join(' ', r.Stdout.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--self-test", help);
        Assert.Contains("not bad input", help);
    }

    [SharedDataTheory]
    [InlineData("q8")]
    [InlineData("f32")]
    public void Stories260K_passes(string which)
    {
        CliResult r = CliRunner.Run("inspect", which == "q8" ? models.Q8 : models.F32, "--self-test");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("3 passed, 0 failed", LastLine(r.Stdout));
    }
}
