using System.Collections.Immutable;
using EdgeTiny.NanoSubset.Analyzer;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace EdgeTiny.NanoSurface.Tests;

/// <summary>Compiles C# sources the way runtime/EdgeTiny.Runtime.NanoCheck does: NoStdLib, the nano-surface mscorlib,
/// C# 9, nullable off, warnings as errors, plus the NanoSubset analyzer.</summary>
internal static class NanoCompiler
{
    private static readonly Lazy<MetadataReference> Surface = new(() => MetadataReference.CreateFromFile(FindSurface()));

    public static ImmutableArray<Diagnostic> Compile(params string[] sources) =>
        Compile(sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, $"snippet{i}.cs")), allowUnsafe: false);

    public static ImmutableArray<Diagnostic> CompileUnsafe(string source) =>
        Compile(new[] { CSharpSyntaxTree.ParseText(source, ParseOptions, "snippet0.cs") }, allowUnsafe: true);

    public static ImmutableArray<Diagnostic> Compile(IEnumerable<SyntaxTree> trees, bool allowUnsafe)
    {
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
            .WithNullableContextOptions(NullableContextOptions.Disable)
            .WithAllowUnsafe(allowUnsafe)
            .WithGeneralDiagnosticOption(ReportDiagnostic.Error);
        var compilation = CSharpCompilation.Create("NanoProbe", trees, new[] { Surface.Value }, options);

        // Emit, not just GetDiagnostics: missing compiler-required members (CS0656) surface only while lowering.
        using var pe = new MemoryStream();
        var emitted = compilation.Emit(pe).Diagnostics;
        var analyzers = compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new NanoSubsetAnalyzer()))
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        return emitted.AddRange(analyzers).Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
    }

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.CSharp9);

    public static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join(Environment.NewLine, diagnostics.Select(d => d.ToString()));

    /// <summary>The mscorlib.dll built from runtime/nano-surface (copied next to the tests by the csproj).</summary>
    private static string FindSurface()
    {
        var copied = Path.Combine(AppContext.BaseDirectory, "nano-surface", "mscorlib.dll");
        if (File.Exists(copied))
        {
            return copied;
        }

        var built = Directory.EnumerateFiles(Path.Combine(RepoRoot.Find(), "runtime", "nano-surface", "bin"), "mscorlib.dll", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .FirstOrDefault();
        return built ?? throw new FileNotFoundException("nano-surface mscorlib.dll not found; build runtime/nano-surface/NanoSurface.csproj", copied);
    }
}

internal static class RepoRoot
{
    /// <summary>Walks up from the test binaries to the folder holding EdgeTiny.sln (or nuget.config).</summary>
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeTiny.sln")) || File.Exists(Path.Combine(dir.FullName, "nuget.config")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("repository root (EdgeTiny.sln / nuget.config) not found above " + AppContext.BaseDirectory);
    }
}
