namespace EdgeTiny.Converter.IO;

/// <summary>
/// Reads a whole input file the user named, refusing before reading one larger than its kind may be: a file from an
/// untrusted card or download must not decide how much memory the converter allocates.
/// </summary>
public static class InputFiles
{
    /// <summary>Largest JSON file (board profile, HIL cases) read: the real ones are a few KB.</summary>
    public const long MaxJsonBytes = 1 << 20;

    /// <summary>The whole file; <paramref name="what"/> names it in errors ("checkpoint", "tokenizer").</summary>
    public static byte[] ReadBytes(string path, string what, long maxBytes = -1)
    {
        long length = CheckedLength(path, what, maxBytes < 0 ? Array.MaxLength : maxBytes);
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            if (bytes.Length != length) throw new InputException(path, $"changed while being read ({length} then {bytes.Length} bytes)");
            return bytes;
        }
        catch (IOException e)
        {
            throw new InputException(path, $"cannot read {what}: {e.Message}");
        }
    }

    /// <summary>The whole file as UTF-8 text, at most <paramref name="maxBytes"/> long.</summary>
    public static string ReadText(string path, string what, long maxBytes = MaxJsonBytes)
    {
        CheckedLength(path, what, maxBytes);
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw new InputException(path, $"cannot read {what}: {e.Message}");
        }
    }

    private static long CheckedLength(string path, string what, long maxBytes)
    {
        if (Directory.Exists(path)) throw new InputException(path, $"is a directory, expected a {what} file");
        if (!File.Exists(path)) throw new InputException(path, $"{what} file not found");
        long length = new FileInfo(path).Length;
        if (length > maxBytes) throw new InputException(path, $"is {length} bytes, more than the {maxBytes} a {what} file may have");
        return length;
    }
}
