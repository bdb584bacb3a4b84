using EdgeTiny.Converter.Import.Gguf;

namespace EdgeTiny.Converter.Import;

/// <summary>
/// Reads a model whatever format it comes in: a Hugging Face folder, a GGUF file (by its magic), a llama2.c int8 checkpoint (version 2), or a
/// llama2.c float checkpoint (versions 0 and 1).
/// A tokenizer file applies only to llama2.c checkpoints; the other formats carry their own.
/// </summary>
public static class ModelImport
{
    public static SourceModel Read(string source, string? tokenizerPath)
    {
        if (Directory.Exists(source))
        {
            if (tokenizerPath is not null) throw new InputException("--tokenizer", $"{source} is a Hugging Face folder, which carries its own tokenizer.json");
            return HuggingFace.HfModel.Read(source);
        }
        if (GgufFile.HasMagic(source))
        {
            if (tokenizerPath is not null) throw new InputException("--tokenizer", $"{source} is a GGUF file, which carries its own tokenizer");
            return GgufModel.Read(source);
        }
        if (File.Exists(source) && Llama2cQ8Checkpoint.IsVersion2(ReadHead(source))) return Llama2cQ8Checkpoint.Read(source, tokenizerPath);
        return Llama2cCheckpoint.Read(source, tokenizerPath);
    }

    private static byte[] ReadHead(string path)
    {
        using var f = File.OpenRead(path);
        var head = new byte[8];
        return head[..f.Read(head)];
    }
}
