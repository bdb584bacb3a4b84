using EdgeTiny.Fuzz;
using EdgeTiny.Fuzz.Targets;

namespace EdgeTiny.Abuse.Tests;

/// <summary>
/// Every input the fuzzer found to crash a reader (tests/EdgeTiny.Fuzz/regressions/TARGET/, minimized with afl-tmin) now
/// ends in that reader's typed refusal; and the seed corpora written from real files load without any crash.
/// </summary>
public sealed class FuzzRegressionTests(ITestOutputHelper output)
{
    private static string Regressions => Path.Combine(SharedData.RepoRoot, "tests", "EdgeTiny.Fuzz", "regressions");

    public static TheoryData<string, string> Crashes()
    {
        var data = new TheoryData<string, string>();
        foreach (string dir in Directory.GetDirectories(Regressions))
            foreach (string file in Directory.GetFiles(dir))
                data.Add(Path.GetFileName(dir), Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Crashes))]
    public void A_crash_the_fuzzer_found_is_now_a_typed_refusal(string target, string input)
    {
        FuzzTarget t = AllTargets.Get(target);
        Exception? refusal = t.Execute(File.ReadAllBytes(Path.Combine(Regressions, target, input)));
        Assert.NotNull(refusal);
        output.WriteLine($"{target}/{input}: {refusal!.GetType().Name}: {refusal.Message}");
    }

    [Fact]
    public void Every_target_has_a_dictionary_and_seeds_from_real_files_that_load_without_a_crash()
    {
        using var dir = new TempDir();
        Seeds.Write(dir.Path);
        foreach (FuzzTarget t in AllTargets.List)
        {
            string[] seeds = Directory.GetFiles(Path.Combine(dir.Path, t.Name));
            Assert.NotEmpty(seeds);
            int accepted = seeds.Count(s => t.Execute(File.ReadAllBytes(s)) is null);
            output.WriteLine($"{t.Name}: {seeds.Length} seeds, {accepted} accepted");
            // Seeds are valid inputs: at least one must get all the way through the reader.
            Assert.True(accepted > 0, $"{t.Name}: no seed was accepted");
        }
        string script = File.ReadAllText(Path.Combine(SharedData.RepoRoot, "tests", "EdgeTiny.Fuzz", "fuzz.sh"));
        foreach (string dict in Directory.GetFiles(Path.Combine(SharedData.RepoRoot, "tests", "EdgeTiny.Fuzz", "dict")))
            Assert.Contains(Path.GetFileNameWithoutExtension(dict), script);
    }
}
