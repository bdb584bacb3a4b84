using Microsoft.CodeAnalysis;

namespace EdgeTiny.NanoSurface.Tests;

/// <summary>Each snippet uses something nanoFramework 1.x does not have; compiling it against the surface must fail
/// with an error that names the missing type/feature.</summary>
public sealed class SubsetViolationTests
{
    private static void AssertRejected(string source, string expectedInMessage, string? expectedId = null)
    {
        var errors = NanoCompiler.Compile(source);
        Assert.True(errors.Length > 0, "expected the nano subset to reject:\n" + source);
        Assert.True(
            errors.Any(e => e.GetMessage().Contains(expectedInMessage, StringComparison.Ordinal) && (expectedId == null || e.Id == expectedId)),
            $"no error mentions '{expectedInMessage}'{(expectedId == null ? "" : " with id " + expectedId)}:\n" + NanoCompiler.Describe(errors));
    }

    [Fact]
    public void GenericList_IsRejected() => AssertRejected(
        "using System.Collections.Generic; class C { int M() { var l = new List<int>(); return l.Count; } }", "List");

    [Fact]
    public void Span_IsRejected() => AssertRejected(
        "class C { void M(byte[] b) { System.Span<byte> s = b; } }", "Span");

    [Fact]
    public void MathF_IsRejected() => AssertRejected(
        "class C { float M(float x) => System.MathF.Sqrt(x); }", "MathF");

    [Fact]
    public void BufferBlockCopy_IsRejected() => AssertRejected(
        "class C { void M(byte[] a, float[] b) { System.Buffer.BlockCopy(a, 0, b, 0, 4); } }", "Buffer");

    [Fact]
    public void Linq_IsRejected() => AssertRejected(
        "using System.Linq; class C { int M(int[] a) => a.Count(); }", "Linq");

    [Fact]
    public void AsyncTask_IsRejected()
    {
        const string source = "class C { async System.Threading.Tasks.Task M() { await System.Threading.Tasks.Task.Delay(1); } }";
        AssertRejected(source, "Tasks");
        AssertRejected(source, "async/await", "NANO008");
    }

    [Fact]
    public void StreamIsNotInMscorlib()
    {
        // Stream and SeekOrigin ship in System.IO.Streams, not in the real mscorlib: without that assembly they are missing.
        var errors = NanoCompiler.CompileAgainst(new[] { "mscorlib" }, "class C { long M(System.IO.Stream s) => s.Seek(0, System.IO.SeekOrigin.Begin); }");
        Assert.Contains(errors, e => e.Id == "CS0234" && e.GetMessage().Contains("Stream", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("class C { int M(int x) { int y = System.Math.Clamp(x, 0, 3); return y; } }", "long")]
    [InlineData("class C { System.DateTime M(string p) => System.IO.File.GetLastWriteTime(p); }", "GetLastWriteTime")]
    [InlineData("class C { System.DateTime M(string p) => System.IO.Directory.GetLastWriteTime(p); }", "GetLastWriteTime")]
    [InlineData("class C { string[] M() => System.IO.Directory.GetLogicalDrives(); }", "GetLogicalDrives")]
    [InlineData("class C { void M(string p) { System.IO.Directory.CreateDirectory(p).Delete(); string s = System.IO.Directory.CreateDirectory(p); } }", "DirectoryInfo")]
    public void ApisTheRealLibrariesLack_AreRejected(string source, string expectedInMessage) => AssertRejected(source, expectedInMessage);

    [Fact]
    public void TupleSyntax_IsRejected() => AssertRejected(
        "class C { int M() { (int a, int b) t = (1, 2); return t.a; } }", "ValueTuple");

    [Fact]
    public void NullableValueType_IsRejected() => AssertRejected(
        "class C { int M(int? x) => x ?? 0; }", "Nullable");

    [Fact]
    public void ArraySort_IsRejected() => AssertRejected(
        "class C { void M(int[] a) { System.Array.Sort(a); } }", "Sort");

    [Fact]
    public void FloatTrigOverload_IsRejected() => AssertRejected(
        "class C { float M(float x) { float y = System.Math.Sqrt(x); return y; } }", "double");

    [Fact]
    public void MultidimensionalArray_IsRejectedByAnalyzer()
    {
        AssertRejected("class C { float M() { float[,] m = new float[2, 2]; return m[0, 0]; } }", "multidimensional", "NANO003");
    }

    [Fact]
    public void GenericMethodDeclaration_IsRejectedByAnalyzer() => AssertRejected(
        "class C { static T Id<T>(T x) => x; int M() => Id(1); }", "generic method", "NANO002");

    [Theory]
    [InlineData("class C { void M() { System.Action<int> a = x => { }; a(1); } }", "Action<int>")]
    [InlineData("class C { int M() { System.Func<int, int> f = x => x + 1; return f(1); } }", "Func<int, int>")]
    [InlineData("class C { event System.EventHandler<System.EventArgs> Changed; void M() { Changed?.Invoke(this, null); } }", "EventHandler<System.EventArgs>")]
    public void GenericDelegateUse_IsRejectedByAnalyzer(string source, string generic)
    {
        // The real mscorlib 1.17.11 declares these, so only the analyzer stands between them and the core.
        var errors = NanoCompiler.Compile(source);
        Assert.Contains(errors, e => e.Id == "NANO011" && e.GetMessage().Contains(generic, StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => !e.Id.StartsWith("NANO", StringComparison.Ordinal));
    }

    [Fact]
    public void GenericTypeDeclaration_IsRejectedByAnalyzer() => AssertRejected(
        "class Box<T> { public T Value; }", "generic type", "NANO001");

    [Fact]
    public void Unsafe_IsRejectedEvenWhenAllowed()
    {
        const string source = "class C { unsafe int M() { int x = 1; int* p = &x; return *p; } }";
        var errors = NanoCompiler.CompileUnsafe(source);
        Assert.Contains(errors, e => e.Id == "NANO004");
        Assert.NotEmpty(NanoCompiler.Compile(source)); // and without /unsafe the compiler refuses it anyway
    }

    [Fact]
    public void Stackalloc_IsRejected() => AssertRejected(
        "class C { unsafe void M() { byte* b = stackalloc byte[16]; b[0] = 1; } }", "unsafe", "NANO004");

    [Fact]
    public void RefStruct_IsRejectedByAnalyzer() => AssertRejected(
        "ref struct R { public int X; }", "ref struct", "NANO006");

    [Fact]
    public void Record_IsRejectedByAnalyzer() => AssertRejected(
        "record R(int X);", "records", "NANO007");

    [Fact]
    public void Iterator_IsRejected() => AssertRejected(
        "class C { System.Collections.IEnumerable M() { yield return 1; } }", "iterators", "NANO009");

    [Fact]
    public void NativeInt_IsRejectedByAnalyzer() => AssertRejected(
        "class C { nint M(nint a) => a; }", "nint", "NANO010");

    [Fact]
    public void AnalyzerMessages_NameTheRuleAndNanoFramework()
    {
        var errors = NanoCompiler.Compile("class Box<T> { }");
        var nano = Assert.Single(errors, e => e.Id.StartsWith("NANO", StringComparison.Ordinal));
        Assert.Equal(DiagnosticSeverity.Error, nano.Severity);
        Assert.Contains("NANO001", nano.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("not in nanoFramework 1.x", nano.GetMessage(), StringComparison.Ordinal);
    }
}
