using EdgeTiny.Converter;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Import.Gguf;
using EdgeTiny.Converter.Import.HuggingFace;

namespace EdgeTiny.Fuzz.Targets;

/// <summary>
/// The readers of models a user imports (issue 18): GGUF, a Hugging Face folder's safetensors and tokenizer.json. They
/// read paths, so each input is written to a fixed file in this process's own temp folder first; the safetensors
/// target reads a folder whose config.json and tokenizer.json are valid ones for the tiny shape (the seeds' shape).
/// </summary>
public static class ImportTargets
{
    private static readonly string Scratch = Path.Combine(Path.GetTempPath(), $"edgetiny-fuzz-{Environment.ProcessId}");
    private static readonly Lazy<string> HfFolder = new(WriteHfFolder);

    // One folder per process (the regression tests and a fuzz run may share a machine), gone when the process ends.
    static ImportTargets() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        try { if (Directory.Exists(Scratch)) Directory.Delete(Scratch, true); }
        catch (IOException) { }
    };

    public static void Gguf(byte[] b) => GgufModel.Read(Write("fuzz.gguf", b));

    /// <summary>model.safetensors in a folder with a valid config.json and tokenizer.json: the whole HfModel.Read.</summary>
    public static void Safetensors(byte[] b)
    {
        string folder = HfFolder.Value;
        File.WriteAllBytes(Path.Combine(folder, "model.safetensors"), b);
        HfModel.Read(folder);
    }

    public static void HfTokenizerFile(byte[] b) => HfTokenizer.Read(Write("tokenizer.json", b), FileTargets.AdapterModel.VocabSize);

    public static bool InputRefusal(Exception e) => e is InputException;

    /// <summary>The tiny model as transformers saves it (the seeds of "safetensors" and "hf-tokenizer").</summary>
    public static SourceModel TinyModel() => TestSupport.TinyModels.Source(FileTargets.AdapterModel, 7);

    private static string Write(string name, byte[] b)
    {
        Directory.CreateDirectory(Scratch);
        string path = Path.Combine(Scratch, name);
        File.WriteAllBytes(path, b);
        return path;
    }

    private static string WriteHfFolder()
    {
        string folder = Path.Combine(Scratch, "hf");
        TestSupport.HfFolders.Write(TinyModel(), folder);
        return folder;
    }
}
