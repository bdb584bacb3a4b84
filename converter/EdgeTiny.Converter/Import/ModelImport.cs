using EdgeTiny.Converter.Import.Gguf;

namespace EdgeTiny.Converter.Import;

/// <summary>
/// Reads a model whatever format it comes in: a GGUF file (by its magic), or a llama2.c checkpoint.
/// A tokenizer file applies only to llama2.c checkpoints; the other formats carry their own.
/// </summary>
public static class ModelImport
{
    public static SourceModel Read(string source, string? tokenizerPath)
    {
        if (GgufFile.HasMagic(source))
        {
            if (tokenizerPath is not null) throw new InputException("--tokenizer", $"{source} is a GGUF file, which carries its own tokenizer");
            return GgufModel.Read(source);
        }
        return Llama2cCheckpoint.Read(source, tokenizerPath);
    }
}
