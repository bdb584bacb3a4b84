using System.Reflection;
using System.Text.RegularExpressions;
using EdgeTiny.Host.Boards;
using EdgeTiny.Host.Prediction;
using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Converter.Tests;

/// <summary>
/// The on-board prediction: counted kernel work priced at a board's native and interpreted rates. The arithmetic is
/// checked on hand-made counts against the profile's own figures; the kernel lists against the code they describe.
/// </summary>
public sealed class OnBoardPredictionTests
{
    private static BoardProfile S3 => BoardProfiles.S3;
    private static BoardProfile Pi => BoardProfiles.Get("raspberry-pi-4b");

    /// <summary>1,000 int8 matvec operations, 300 softmax operations, 40 attention-score operations in 12 calls, over 2 tokens.</summary>
    private static KernelCounts Sample()
    {
        var c = new KernelCounts();
        c.Calls[(int)KernelKind.MatVecQ8] = 4;
        c.Operations[(int)KernelKind.MatVecQ8] = 1000;
        c.Calls[(int)KernelKind.Softmax] = 6;
        c.Operations[(int)KernelKind.Softmax] = 300;
        c.Calls[(int)KernelKind.AttentionScores] = 2;
        c.Operations[(int)KernelKind.AttentionScores] = 40;
        return c;
    }

    [Fact]
    public void Every_IKernels_member_has_a_kernel_kind_of_its_name()
    {
        string[] members = typeof(IKernels).GetMethods().Select(m => m.Name).Order().ToArray();
        Assert.Equal(members, Enum.GetNames<KernelKind>().Order());
    }

    [Fact]
    public void The_native_list_is_what_NativeKernels_sends_to_KernelsNative()
    {
        string source = File.ReadAllText(Path.Combine(SharedData.RepoRoot, "firmware", "EdgeTiny.Firmware", "Interop", "NativeKernels.cs"));
        // Each member: "public <type> Name(...)" then a body; native when the body calls KernelsNative.
        var native = new List<string>();
        foreach (Match m in Regex.Matches(source, @"public (?:void|float) (\w+)\([^)]*\)\s*\{([^}]*)\}"))
            if (m.Groups[2].Value.Contains("KernelsNative.")) native.Add(m.Groups[1].Value);
        Assert.Equal(typeof(IKernels).GetMethods().Length, Regex.Matches(source, @"public (?:void|float) \w+\(").Count);
        Assert.Equal(native.Order(), FirmwareKernels.Native.Select(k => k.ToString()).Order());
    }

    [Fact]
    public void Native_kernels_cost_operations_over_the_native_rate_and_the_rest_is_interpreted()
    {
        InterpreterSpec i = S3.Interpreter!;
        var (native, portable) = OnBoardPrediction.Both(S3, Sample(), units: 2, sdMs: 1.5);
        double perInstructionMs = 1000.0 / i.InstructionsPerSecond;
        bool softmaxNative = FirmwareKernels.Native.Contains(KernelKind.Softmax), scoresNative = FirmwareKernels.Native.Contains(KernelKind.AttentionScores);
        double nativeOps = 500 + (softmaxNative ? 150 : 0) + (scoresNative ? 20 : 0);
        Assert.Equal(nativeOps * 1000.0 / S3.KernelMacsPerSecond, native.KernelsNativeMs, 9);
        Assert.Equal((670 - nativeOps) * i.InstructionsPerOperation * perInstructionMs, native.KernelsInterpretedMs, 9);
        Assert.Equal(6 * i.GlueInstructionsPerKernelCall * perInstructionMs, native.GlueMs, 9);
        Assert.Equal(1.5, native.SdMs);

        // Without native kernels every operation is interpreted; glue and SD do not change.
        Assert.Equal(0, portable.KernelsNativeMs);
        Assert.Equal(670 * i.InstructionsPerOperation * perInstructionMs, portable.KernelsInterpretedMs, 9);
        Assert.Equal((native.GlueMs, native.SdMs), (portable.GlueMs, portable.SdMs));
        // Kernel time is slower by exactly the interpreter factor for what the firmware runs natively.
        double factor = (double)i.InstructionsPerOperation * S3.KernelMacsPerSecond / i.InstructionsPerSecond;
        Assert.Equal(native.KernelsInterpretedMs + native.KernelsNativeMs * factor, portable.KernelsInterpretedMs, 9);
        Assert.True(factor > 100, $"interpreter factor {factor}");
    }

    [Fact]
    public void Totals_add_up_and_name_what_dominates()
    {
        var (native, portable) = OnBoardPrediction.Both(S3, Sample(), units: 2, sdMs: 1.5);
        foreach (PredictedTime t in new[] { native, portable })
        {
            Assert.Equal(t.KernelsNativeMs + t.KernelsInterpretedMs + t.GlueMs + t.SdMs, t.TotalMs, 12);
            Assert.Equal(1000.0 / t.TotalMs, t.TokensPerSecond, 9);
        }
        Assert.Equal("kernels_interpreted", portable.Dominant);
        Assert.True(native.TokensPerSecond > portable.TokensPerSecond);
        var (sdBound, _) = OnBoardPrediction.Both(S3, Sample(), units: 2, sdMs: 1e6);
        Assert.Equal("sd", sdBound.Dominant);
    }

    [Fact]
    public void A_dotnet_board_has_no_interpreter_so_both_firmwares_run_every_kernel_compiled()
    {
        Assert.Null(Pi.Interpreter);
        var (native, portable) = OnBoardPrediction.Both(Pi, Sample(), units: 2, sdMs: 0);
        foreach (PredictedTime t in new[] { native, portable })
        {
            Assert.Equal(670 * 1000.0 / Pi.KernelMacsPerSecond, t.KernelsNativeMs, 12);
            Assert.Equal((0.0, 0.0), (t.KernelsInterpretedMs, t.GlueMs));
        }
    }

    [Fact]
    public void Counting_kernels_count_calls_and_operations_and_compute_what_the_inner_kernels_do()
    {
        var counting = new CountingKernels(new PortableKernels());
        var reference = new PortableKernels();
        float[] w = [1, 2, 3, 4, 5, 6], x = [1, -1, 2], y = new float[2], yRef = new float[2];
        counting.MatVecF32(w, 0, x, 0, y, 0, 2, 3);
        reference.MatVecF32(w, 0, x, 0, yRef, 0, 2, 3);
        Assert.Equal(yRef, y);
        float[] s = [1, 2, 3, 4];
        counting.Softmax(s, 1, 3);
        // Two bundles of 2·dim f32 values, one inactive: only the active one counts.
        byte[] bundles = new byte[2 * 2 * 3 * 4];
        float[] act = [0f, 2f], outp = new float[3];
        counting.FfnBundles(bundles, 0, x, 0, act, 0, outp, 0, 2, 3, Runtime.Format.Codec.F32, 0, 0);
        Assert.Equal(3, counting.Counts.TotalCalls);
        Assert.Equal(6, counting.Counts.OperationsOf(KernelKind.MatVecF32));
        Assert.Equal(9, counting.Counts.OperationsOf(KernelKind.Softmax));
        Assert.Equal(6, counting.Counts.OperationsOf(KernelKind.FfnBundles));
        counting.Counts.Clear();
        Assert.Equal(0, counting.Counts.TotalOperations);
    }

    [Fact]
    public void CountingKernels_forwards_every_IKernels_member()
    {
        // A member added to IKernels must be counted: the class implements the interface, and each method adds to its kind.
        string source = File.ReadAllText(Path.Combine(SharedData.RepoRoot, "converter", "EdgeTiny.Host", "Prediction", "CountingKernels.cs"));
        foreach (MethodInfo m in typeof(IKernels).GetMethods())
            Assert.Contains($"Add(KernelKind.{m.Name},", source);
    }
}
