using System.Text.Json.Nodes;

namespace EdgeTiny.Reports;

/// <summary>Reading the commands' JSON leniently: a field that is missing or null is "no data", never an exception.</summary>
internal static class ReportJson
{
    public static double? Number(this JsonNode? node, params string[] path)
    {
        // Values built in C# keep their type (long, int, double); parsed ones are JSON numbers: read both the same way.
        if (At(node, path) is not JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.Number) return null;
        return v.TryGetValue(out double d) ? d : double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string? Text(this JsonNode? node, params string[] path) =>
        At(node, path) is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    public static JsonArray? Array(this JsonNode? node, params string[] path) => At(node, path) as JsonArray;

    public static JsonObject? Object(this JsonNode? node, params string[] path) => At(node, path) as JsonObject;

    public static double[] Numbers(this JsonArray array) => [.. array.Select(n => n.Number() ?? double.NaN)];

    private static JsonNode? At(JsonNode? node, string[] path)
    {
        foreach (string key in path)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(key, out node)) return null;
        }
        return node;
    }

    public static string Bytes(double bytes) =>
        bytes >= 1024 * 1024 ? $"{bytes / (1024 * 1024):0.##} MB" : bytes >= 1024 ? $"{bytes / 1024:0.#} KB" : $"{bytes:0} B";
}
