using System.Buffers.Binary;
using System.Text.Json;

namespace EdgeTiny.Converter.Import.HuggingFace;

/// <summary>One tensor of a safetensors file: dtype, shape (row-major, last dimension contiguous), byte range in the data.</summary>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End, string File);

/// <summary>
/// The safetensors format: u64 header length N, N bytes of JSON ({name: {dtype, shape, data_offsets: [begin, end]}},
/// plus an optional "__metadata__"), then the data; offsets count from the end of the header. F32, F16 and BF16 are
/// read; every range is checked against the file and against its dtype × shape.
/// </summary>
public static class Safetensors
{
    public static Dictionary<string, SafetensorsEntry> ReadHeader(string path, out long dataStart)
    {
        byte[] head = new byte[8];
        using var f = File.OpenRead(path);
        if (f.Read(head) != 8) throw new InputException(path, "truncated: no safetensors header length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(head);
        if (n == 0 || n > (ulong)Math.Min(f.Length - 8, 100_000_000)) throw new InputException(path, $"safetensors header length {n} is impossible for a {f.Length}-byte file");
        var json = new byte[n];
        f.ReadExactly(json);
        dataStart = 8 + (long)n;
        long dataBytes = f.Length - dataStart;
        var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(json);
            foreach (JsonProperty p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__") continue;
                string dtype = p.Value.GetProperty("dtype").GetString()!;
                long[] shape = [.. p.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64())];
                long[] off = [.. p.Value.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64())];
                int size = dtype switch
                {
                    "F32" => 4, "F16" or "BF16" => 2,
                    _ => throw new InputException(path, $"tensor {p.Name} has dtype {dtype}, which is not supported (F32, F16, BF16)"),
                };
                long count = shape.Aggregate(1L, (a, b) => a * b);
                if (off.Length != 2 || off[0] < 0 || off[1] - off[0] != count * size)
                    throw new InputException(path, $"tensor {p.Name}: data_offsets [{string.Join(", ", off)}] do not hold {count} {dtype} values");
                if (off[1] > dataBytes)
                    throw new InputException(path, $"truncated: tensor {p.Name} needs data up to byte {dataStart + off[1]}, the file has {f.Length}");
                entries[p.Name] = new SafetensorsEntry(p.Name, dtype, shape, off[0], off[1], path);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new InputException(path, $"safetensors header is not valid JSON of tensors: {e.Message}");
        }
        return entries;
    }

    /// <summary>A tensor's values as float32 (F16 and BF16 widened exactly).</summary>
    public static float[] ReadFloats(SafetensorsEntry e, long dataStart)
    {
        using var f = File.OpenRead(e.File);
        f.Position = dataStart + e.Begin;
        var raw = new byte[e.End - e.Begin];
        f.ReadExactly(raw);
        Gguf.GgmlType type = e.DType switch { "F32" => Gguf.GgmlType.F32, "F16" => Gguf.GgmlType.F16, _ => Gguf.GgmlType.BF16 };
        var values = new float[raw.Length / (type == Gguf.GgmlType.F32 ? 4 : 2)];
        Gguf.GgmlTypes.Dequantize(type, raw, values);
        return values;
    }
}
