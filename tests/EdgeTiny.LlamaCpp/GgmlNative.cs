using System.Reflection;
using System.Runtime.InteropServices;

namespace EdgeTiny.LlamaCpp;

/// <summary>
/// ggml's own functions in the libggml-base that LLamaSharp.Backend.Cpu ships: the GGUF writer (gguf_*), tensor
/// allocation for it (ggml_init / ggml_new_tensor_*), and the reference quantizers and dequantizers of every type.
/// The library is the one llama.cpp itself loaded (found in /proc/self/maps after LLamaSharp's loader ran), so the
/// writer, quantizers and inference all come from one build.
/// </summary>
public static unsafe partial class GgmlNative
{
    private const string Lib = "ggml-base";

    static GgmlNative()
    {
        NativeLibrary.SetDllImportResolver(typeof(GgmlNative).Assembly, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Lib) return IntPtr.Zero;
        LlamaCppRuntime.EnsureLoaded();
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            int at = line.IndexOf('/');
            if (at >= 0 && line.EndsWith("/libggml-base.so", StringComparison.Ordinal)) return NativeLibrary.Load(line[at..]);
        }
        throw new DllNotFoundException("libggml-base.so is not loaded after LLamaSharp's native loader ran");
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct InitParams
    {
        public nuint MemSize;
        public IntPtr MemBuffer;
        public byte NoAlloc;
    }

    /// <summary>gguf_type (values of metadata arrays).</summary>
    public const int GgufUint32 = 4, GgufInt32 = 5, GgufFloat32 = 6, GgufBool = 7, GgufString = 8;

    [DllImport(Lib)] public static extern IntPtr ggml_init(InitParams p);
    [DllImport(Lib)] public static extern void ggml_free(IntPtr ctx);
    [DllImport(Lib)] public static extern nuint ggml_tensor_overhead();
    [DllImport(Lib)] public static extern IntPtr ggml_new_tensor_1d(IntPtr ctx, int type, long ne0);
    [DllImport(Lib)] public static extern IntPtr ggml_new_tensor_2d(IntPtr ctx, int type, long ne0, long ne1);
    [DllImport(Lib)] public static extern IntPtr ggml_set_name(IntPtr tensor, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);
    [DllImport(Lib)] public static extern IntPtr ggml_get_data(IntPtr tensor);

    [DllImport(Lib)] public static extern IntPtr gguf_init_empty();
    [DllImport(Lib)] public static extern void gguf_free(IntPtr ctx);
    [DllImport(Lib)] public static extern void gguf_set_val_u32(IntPtr ctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string key, uint v);
    [DllImport(Lib)] public static extern void gguf_set_val_f32(IntPtr ctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string key, float v);
    [DllImport(Lib)] public static extern void gguf_set_val_bool(IntPtr ctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string key, [MarshalAs(UnmanagedType.U1)] bool v);
    [DllImport(Lib)] public static extern void gguf_set_val_str(IntPtr ctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string key, [MarshalAs(UnmanagedType.LPUTF8Str)] string v);
    [DllImport(Lib)] public static extern void gguf_set_arr_data(IntPtr ctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string key, int type, void* data, nuint n);
    [DllImport(Lib)] public static extern void gguf_set_arr_str(IntPtr ctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string key, IntPtr* data, nuint n);
    [DllImport(Lib)] public static extern void gguf_add_tensor(IntPtr ctx, IntPtr tensor);
    [DllImport(Lib)] [return: MarshalAs(UnmanagedType.U1)] public static extern bool gguf_write_to_file(IntPtr ctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.U1)] bool onlyMeta);

    [DllImport(Lib)] public static extern void quantize_row_q8_0_ref(float* x, void* y, long k);
    [DllImport(Lib)] public static extern void quantize_row_q4_0_ref(float* x, void* y, long k);
    [DllImport(Lib)] public static extern void quantize_row_q4_1_ref(float* x, void* y, long k);
    [DllImport(Lib)] public static extern void quantize_row_q5_0_ref(float* x, void* y, long k);
    [DllImport(Lib)] public static extern void quantize_row_q5_1_ref(float* x, void* y, long k);
    [DllImport(Lib)] public static extern void quantize_row_q4_K_ref(float* x, void* y, long k);
    [DllImport(Lib)] public static extern void quantize_row_q5_K_ref(float* x, void* y, long k);
    [DllImport(Lib)] public static extern void quantize_row_q6_K_ref(float* x, void* y, long k);
    [DllImport(Lib)] public static extern void dequantize_row_q8_0(void* x, float* y, long k);
    [DllImport(Lib)] public static extern void dequantize_row_q4_0(void* x, float* y, long k);
    [DllImport(Lib)] public static extern void dequantize_row_q4_1(void* x, float* y, long k);
    [DllImport(Lib)] public static extern void dequantize_row_q5_0(void* x, float* y, long k);
    [DllImport(Lib)] public static extern void dequantize_row_q5_1(void* x, float* y, long k);
    [DllImport(Lib)] public static extern void dequantize_row_q4_K(void* x, float* y, long k);
    [DllImport(Lib)] public static extern void dequantize_row_q5_K(void* x, float* y, long k);
    [DllImport(Lib)] public static extern void dequantize_row_q6_K(void* x, float* y, long k);
    /// <summary>ggml's reference quantizer of a type, for whole rows.</summary>
    public static void Quantize(EdgeTiny.Converter.Import.Gguf.GgmlType type, float* x, void* y, long k)
    {
        switch (type)
        {
            case EdgeTiny.Converter.Import.Gguf.GgmlType.Q8_0: quantize_row_q8_0_ref(x, y, k); break;
            case EdgeTiny.Converter.Import.Gguf.GgmlType.Q4_0: quantize_row_q4_0_ref(x, y, k); break;
            case EdgeTiny.Converter.Import.Gguf.GgmlType.Q4_1: quantize_row_q4_1_ref(x, y, k); break;
            case EdgeTiny.Converter.Import.Gguf.GgmlType.Q5_0: quantize_row_q5_0_ref(x, y, k); break;
            case EdgeTiny.Converter.Import.Gguf.GgmlType.Q5_1: quantize_row_q5_1_ref(x, y, k); break;
            case EdgeTiny.Converter.Import.Gguf.GgmlType.Q4_K: quantize_row_q4_K_ref(x, y, k); break;
            case EdgeTiny.Converter.Import.Gguf.GgmlType.Q5_K: quantize_row_q5_K_ref(x, y, k); break;
            case EdgeTiny.Converter.Import.Gguf.GgmlType.Q6_K: quantize_row_q6_K_ref(x, y, k); break;
            default: throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    [DllImport(Lib)] public static extern void ggml_fp16_to_fp32_row(void* x, float* y, long k);
}
