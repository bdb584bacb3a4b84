using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EdgeTiny.NanoSurface.Tests;

/// <summary>Code written inside the nanoFramework 1.x subset compiles cleanly against the surface, and so does the runtime core.</summary>
public sealed class SubsetAcceptanceTests
{
    private const string PositiveSnippet = """
        using System;
        using System.Collections;
        using System.IO;
        using System.Text;
        using System.Threading;

        namespace Probe
        {
            public delegate void Tick(int step);

            public interface IKernel
            {
                void MatVec(float[] w, float[] x, float[] y, int rows, int cols);
            }

            public struct Shape
            {
                public int Rows;
                public int Cols;
                public Shape(int rows, int cols) { Rows = rows; Cols = cols; }
            }

            public sealed class Probe : IKernel, IDisposable
            {
                private static readonly float[] Table = new float[] { 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f };
                private readonly ArrayList _log = new ArrayList();
                private readonly Hashtable _index = new Hashtable();
                private readonly object _gate = new object();
                private int _counter;

                public event Tick Stepped;

                public void MatVec(float[] w, float[] x, float[] y, int rows, int cols)
                {
                    for (int r = 0; r < rows; r++)
                    {
                        float acc = 0f;
                        int row = r * cols;
                        for (int c = 0; c < cols; c++)
                        {
                            acc += w[row + c] * x[c];
                        }

                        y[r] = acc;
                    }
                }

                public float Run(string path, byte[] scratch)
                {
                    float sum = 0f;
                    for (int i = 0; i < Table.Length; i++)
                    {
                        sum += Table[i] * Table[i];
                    }

                    float norm = (float)Math.Sqrt(sum) + Math.Abs(-1f) + Math.Max(0.5f, 0.25f) + (float)Math.Exp(-1.0);
                    float[][] jagged = new float[2][];
                    jagged[0] = new float[4];
                    Array.Copy(Table, 0, jagged[0], 0, 4);
                    Array.Clear(jagged[0], 0, 2);

                    using (FileStream fs = new FileStream(path, FileMode.Open, FileAccess.Read))
                    {
                        fs.Seek(16, SeekOrigin.Begin);
                        int read = fs.Read(scratch, 0, scratch.Length);
                        if (read >= 4)
                        {
                            norm += BitConverter.ToSingle(scratch, 0);
                        }
                    }

                    var sb = new StringBuilder();
                    sb.Append("norm=").Append(norm.ToString("F3")).AppendLine();
                    lock (_gate)
                    {
                        _log.Add(sb.ToString());
                        _index[path] = _log.Count;
                    }

                    foreach (object entry in _log)
                    {
                        string s = (string)entry;
                        if (s.StartsWith("norm"))
                        {
                            norm += s.Length;
                        }
                    }

                    string[] parts = "a,b,c".Split(',');
                    switch (parts[0])
                    {
                        case "a": norm += 1f; break;
                        case "b": norm += 2f; break;
                        default: break;
                    }

                    Interlocked.Increment(ref _counter);
                    Tick handler = Stepped;
                    if (handler != null)
                    {
                        handler(_counter);
                    }

                    Shape shape = new Shape(2, 2);
                    string text = $"{parts[1]}:{shape.Rows}x{shape.Cols}";
                    byte[] utf8 = Encoding.UTF8.GetBytes(text);
                    return norm + utf8.Length + (int)DateTime.UtcNow.Ticks % 2;
                }

                public void Dispose()
                {
                    Stepped = null;
                }
            }
        }
        """;

    [Fact]
    public void SubsetCode_CompilesClean()
    {
        var errors = NanoCompiler.Compile(PositiveSnippet);
        Assert.True(errors.IsEmpty, NanoCompiler.Describe(errors));
    }

    [Fact]
    public void RuntimeCoreSources_CompileAgainstTheRealMscorlib()
    {
        var files = CoreFiles();
        var errors = NanoCompiler.Compile(CoreTrees(files), allowUnsafe: false);
        Assert.True(errors.IsEmpty, $"runtime/EdgeTiny.Runtime leaves the nanoFramework 1.x subset ({files.Count} files):\n" + NanoCompiler.Describe(errors));
    }

    [Fact]
    public void RuntimeCore_WithAGenericMethod_FailsTheCheck()
    {
        const string probe = "namespace EdgeTiny.Runtime { internal static class GenericProbe { internal static T First<T>(T[] items) => items[0]; } }";
        var trees = CoreTrees(CoreFiles()).Append(CSharpSyntaxTree.ParseText(probe, NanoCompiler.ParseOptions, "GenericProbe.cs"));
        var errors = NanoCompiler.Compile(trees, allowUnsafe: false);
        Assert.Contains(errors, e => e.Id == "NANO002" && e.Location.SourceTree!.FilePath == "GenericProbe.cs");
    }

    private static List<string> CoreFiles()
    {
        var coreDir = Path.Combine(RepoRoot.Find(), "runtime", "EdgeTiny.Runtime");
        var files = Directory.EnumerateFiles(coreDir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsUnder(f, Path.Combine(coreDir, "bin")) && !IsUnder(f, Path.Combine(coreDir, "obj")))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(files);
        return files;
    }

    private static IEnumerable<SyntaxTree> CoreTrees(IEnumerable<string> files) =>
        files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), NanoCompiler.ParseOptions, f));

    private static bool IsUnder(string file, string dir) =>
        file.StartsWith(dir + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
