using EdgeTiny.Converter;

namespace EdgeTiny.Host.Boards;

/// <summary>
/// The board profiles shipped with EdgeTiny: boards/*.json, copied beside the `edgetiny` binary at build time
/// (EDGETINY_BOARDS points elsewhere).
/// </summary>
public static class BoardCatalog
{
    public static string DefaultDirectory
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("EDGETINY_BOARDS");
            return string.IsNullOrEmpty(env) ? Path.Combine(AppContext.BaseDirectory, "boards") : env;
        }
    }

    /// <summary>Every profile in the folder, validated; the first invalid one throws.</summary>
    public static IReadOnlyList<BoardProfile> LoadAll(string? directory = null)
    {
        string dir = directory ?? DefaultDirectory;
        if (!Directory.Exists(dir)) throw new InputException(dir, "board profile folder not found");
        return Directory.GetFiles(dir, "*.json")
            .Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(BoardProfileReader.Read)
            .ToList();
    }

    /// <summary>The profile with this id; an unknown id is bad input for --board, listing the known ones.</summary>
    public static BoardProfile Find(string id, string? directory = null)
    {
        string dir = directory ?? DefaultDirectory;
        string path = Path.Combine(dir, id + ".json");
        if (id.Contains('/') || id.Contains('\\') || !File.Exists(path))
        {
            string known = Directory.Exists(dir)
                ? string.Join(", ", Directory.GetFiles(dir, "*.json").Where(f => !f.EndsWith(".schema.json")).Select(Path.GetFileNameWithoutExtension).Order())
                : "none";
            throw new InputException("--board", $"unknown board '{id}' (known: {known})");
        }
        return BoardProfileReader.Read(path);
    }
}
