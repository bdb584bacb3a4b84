using LLama.Native;

namespace EdgeTiny.LlamaCpp;

/// <summary>Loads llama.cpp once per process through LLamaSharp's loader (CPU backend, logs silenced).</summary>
public static class LlamaCppRuntime
{
    private static readonly Lazy<bool> s_loaded = new(() =>
    {
        NativeLibraryConfig.All.WithLogCallback((level, message) => { });
        NativeApi.llama_empty_call();
        return true;
    });

    public static void EnsureLoaded() => _ = s_loaded.Value;
}
