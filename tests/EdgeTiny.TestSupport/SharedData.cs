using Xunit;

namespace EdgeTiny.TestSupport;

/// <summary>
/// Locates the read-only test data in ../shared (beside the repo root, or EDGETINY_SHARED). Tests that need it use
/// <see cref="SharedDataFactAttribute"/>: skipped on a developer machine without the data, failed when CI=true.
/// </summary>
public static class SharedData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The shared folder, or null when it is not there.</summary>
    public static string? Root { get; } = FindShared();

    public static bool Available => Root is not null;

    public static bool RunningInCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string Path(params string[] parts)
    {
        if (Root is null)
            throw new InvalidOperationException($"shared test data not found: set EDGETINY_SHARED or put it at {System.IO.Path.GetFullPath(System.IO.Path.Combine(RepoRoot, "..", "shared"))}");
        return System.IO.Path.Combine([Root, .. parts]);
    }

    public static string Stories260K => Path("models", "stories260K", "stories260K.bin");
    public static string Tok512 => Path("models", "stories260K", "tok512.bin");

    private static string FindRepoRoot()
    {
        // Beside the build output (tests), else the working folder (tools run from a copy elsewhere, e.g. the fuzzer's).
        foreach (string start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "EdgeTiny.sln"))) return dir.FullName;
        throw new InvalidOperationException($"EdgeTiny.sln not found above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}");
    }

    private static string? FindShared()
    {
        string? env = Environment.GetEnvironmentVariable("EDGETINY_SHARED");
        string candidate = string.IsNullOrEmpty(env) ? System.IO.Path.Combine(RepoRoot, "..", "shared") : env;
        return Directory.Exists(System.IO.Path.Combine(candidate, "models")) ? System.IO.Path.GetFullPath(candidate) : null;
    }
}

/// <summary>A fact that needs ../shared: skipped when it is missing on a developer machine, run (and so failed) in CI.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (!SharedData.Available && !SharedData.RunningInCi) Skip = "shared test data (../shared) not found; set EDGETINY_SHARED";
    }
}

/// <summary>A theory that needs ../shared (see <see cref="SharedDataFactAttribute"/>).</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute()
    {
        if (!SharedData.Available && !SharedData.RunningInCi) Skip = "shared test data (../shared) not found; set EDGETINY_SHARED";
    }
}

/// <summary>
/// A fact that takes minutes (retraining the demo model): always run in CI, on a developer machine only with
/// EDGETINY_SLOW_TESTS=1.
/// </summary>
public sealed class SlowFactAttribute : FactAttribute
{
    public SlowFactAttribute()
    {
        if (!SharedData.RunningInCi && Environment.GetEnvironmentVariable("EDGETINY_SLOW_TESTS") != "1")
            Skip = "takes minutes; runs in CI, or set EDGETINY_SLOW_TESTS=1";
    }
}
