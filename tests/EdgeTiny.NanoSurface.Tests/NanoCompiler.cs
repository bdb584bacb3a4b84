using System.Collections.Immutable;
using EdgeTiny.NanoSubset.Analyzer;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace EdgeTiny.NanoSurface.Tests;

/// <summary>Compiles C# sources the way runtime/EdgeTiny.Runtime.NanoCheck does: NoStdLib, nanoFramework's real
/// mscorlib.dll plus the hand-written class libraries of runtime/nano-surface, C# 9, nullable off, warnings as errors,
/// plus the NanoSubset analyzer.</summary>
internal static class NanoCompiler
{
    /// <summary>The assemblies every compilation references: the real mscorlib and the hand-written class libraries.</summary>
    public static readonly string[] AssemblyNames =
    {
        "mscorlib", "System.Math", "System.IO.Streams", "System.IO.FileSystem", "nanoFramework.System.Text", "nanoFramework.System.Collections",
    };

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        AssemblyNames.Select(n => (MetadataReference)MetadataReference.CreateFromFile(FindNanoAssembly(n))).ToArray());

    public static ImmutableArray<Diagnostic> Compile(params string[] sources) =>
        Compile(sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, $"snippet{i}.cs")), allowUnsafe: false);

    /// <summary>Compiles against only the named nanoFramework assemblies (e.g. mscorlib alone).</summary>
    public static ImmutableArray<Diagnostic> CompileAgainst(string[] assemblies, string source) =>
        Compile(new[] { CSharpSyntaxTree.ParseText(source, ParseOptions, "snippet0.cs") }, allowUnsafe: false,
            assemblies.Select(n => (MetadataReference)MetadataReference.CreateFromFile(FindNanoAssembly(n))).ToArray());

    public static ImmutableArray<Diagnostic> CompileUnsafe(string source) =>
        Compile(new[] { CSharpSyntaxTree.ParseText(source, ParseOptions, "snippet0.cs") }, allowUnsafe: true);

    public static ImmutableArray<Diagnostic> Compile(IEnumerable<SyntaxTree> trees, bool allowUnsafe) =>
        Compile(trees, allowUnsafe, References.Value);

    private static ImmutableArray<Diagnostic> Compile(IEnumerable<SyntaxTree> trees, bool allowUnsafe, MetadataReference[] references)
    {
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
            .WithNullableContextOptions(NullableContextOptions.Disable)
            .WithAllowUnsafe(allowUnsafe)
            .WithGeneralDiagnosticOption(ReportDiagnostic.Error);
        var compilation = CSharpCompilation.Create("NanoProbe", trees, references, options);

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

    /// <summary>A nanoFramework assembly copied next to the tests by the csproj (nano/NAME.dll): mscorlib from the
    /// nanoFramework.CoreLibrary package, the others built from runtime/nano-surface.</summary>
    public static string FindNanoAssembly(string name)
    {
        var copied = Path.Combine(AppContext.BaseDirectory, "nano", name + ".dll");
        return File.Exists(copied)
            ? copied
            : throw new FileNotFoundException(name + ".dll not found next to the tests; build tests/EdgeTiny.NanoSurface.Tests", copied);
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
