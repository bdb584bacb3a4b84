using System.Buffers.Binary;
using System.Text;

namespace EdgeTiny.Converter.Import.Gguf;

/// <summary>One tensor's entry in a GGUF file: name, shape (ne0 = the contiguous row length first), ggml type, data offset.</summary>
public sealed record GgufTensorInfo(string Name, long[] Shape, GgmlType Type, long Offset)
{
    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// A GGUF file (versions 2 and 3) as the spec in ggml's docs/gguf.md lays it out, little-endian: magic "GGUF", u32
/// version, u64 tensor count, u64 metadata count; metadata (string key, u32 value type, value); tensor infos (string
/// name, u32 dims, u64 ne[dims], u32 ggml type, u64 offset into the data); then the tensor data, starting at the next
/// multiple of general.alignment (default 32). Strings are u64 length + UTF-8 bytes. Every count, length and offset is
/// checked against the file, so a damaged file fails with <see cref="InputException"/> naming it, never an
/// IndexOutOfRange.
/// </summary>
public sealed class GgufFile
{
    public const uint Magic = 0x46554747; // "GGUF"
    private const int DefaultAlignment = 32;
    private const long MaxAlignment = 1L << 30; // keeps the aligned data start from overflowing

    private readonly byte[] _bytes;
    private readonly long _dataStart;

    public string Path { get; }
    public int Version { get; }
    public IReadOnlyDictionary<string, object> Metadata { get; }
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    private GgufFile(string path, byte[] bytes, int version, Dictionary<string, object> metadata, List<GgufTensorInfo> tensors, long dataStart)
    {
        Path = path;
        _bytes = bytes;
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        _dataStart = dataStart;
    }

    public static bool HasMagic(string path)
    {
        if (!File.Exists(path)) return false;
        using var f = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        return f.Read(head) == 4 && BinaryPrimitives.ReadUInt32LittleEndian(head) == Magic;
    }

    public static GgufFile Read(string path)
    {
        if (File.Exists(path) && new FileInfo(path).Length > Array.MaxLength)
            throw new InputException(path, $"is {new FileInfo(path).Length} bytes; GGUF files over {Array.MaxLength} bytes are not supported (the converter targets models that fit a board)");
        byte[] bytes = Llama2cCheckpoint.ReadFile(path, "GGUF");
        var r = new Cursor(path, bytes);
        if (bytes.Length < 4 || r.U32() != Magic) throw new InputException(path, "not a GGUF file (no \"GGUF\" magic)");
        int version = (int)r.U32();
        if (version != 2 && version != 3) throw new InputException(path, $"GGUF version {version} is not supported (only 2 and 3)");
        long tensorCount = r.Count("tensor count");
        long kvCount = r.Count("metadata count");

        var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
        for (long i = 0; i < kvCount; i++)
        {
            string key = r.String();
            uint type = r.U32();
            metadata[key] = r.Value(type, key);
        }
        var tensors = new List<GgufTensorInfo>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < tensorCount; i++)
        {
            string name = r.String();
            uint dims = r.U32();
            if (dims is 0 or > 4) throw new InputException(path, $"tensor {name} has {dims} dimensions (1..4 allowed)");
            var shape = new long[dims];
            long elements = 1;
            for (int d = 0; d < dims; d++)
            {
                shape[d] = r.Count($"tensor {name} dimension {d}");
                if (shape[d] == 0) throw new InputException(path, $"tensor {name} has an empty dimension {d}");
                // No supported type stores a value in under 4 bits: bounding the count here keeps the products below
                // (elements, byte sizes, end offsets) from overflowing.
                if (shape[d] > 2L * bytes.Length / elements)
                    throw new InputException(path, $"tensor {name}'s shape (dimension {d} is {shape[d]}) holds more values than a {bytes.Length}-byte file can");
                elements *= shape[d];
            }
            uint rawType = r.U32();
            if (!GgmlTypes.IsKnown(rawType))
                throw new InputException(path, $"tensor {name} has ggml type {rawType} ({GgmlTypes.NameOf(rawType)}), which is not supported (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K)");
            long offset = r.Count($"tensor {name} offset");
            if (!names.Add(name)) throw new InputException(path, $"tensor {name} is listed twice");
            tensors.Add(new GgufTensorInfo(name, shape, (GgmlType)rawType, offset));
        }

        long alignment = metadata.TryGetValue("general.alignment", out object? a) ? a switch
        {
            byte or sbyte or short or ushort or int or uint or long => Convert.ToInt64(a),
            ulong u => u <= MaxAlignment ? (long)u : throw new InputException(path, $"general.alignment {u} is larger than {MaxAlignment}"),
            _ => throw new InputException(path, $"general.alignment is a {a.GetType().Name}, expected an integer"),
        } : DefaultAlignment;
        if (alignment <= 0 || alignment > MaxAlignment || (alignment & (alignment - 1)) != 0)
            throw new InputException(path, $"general.alignment {alignment} is not a power of two up to {MaxAlignment}");
        long dataStart = (r.At + alignment - 1) / alignment * alignment;
        foreach (var t in tensors)
        {
            if (t.Shape[0] % GgmlTypes.BlockSize(t.Type) != 0)
                throw new InputException(path, $"tensor {t.Name}: row length {t.Shape[0]} is not a multiple of {t.Type}'s block of {GgmlTypes.BlockSize(t.Type)}");
            long size = GgmlTypes.ByteSize(t.Type, t.Elements);
            if (t.Offset % alignment != 0) throw new InputException(path, $"tensor {t.Name}: data offset {t.Offset} is not aligned to {alignment}");
            if (dataStart + t.Offset + size > bytes.Length)
                throw new InputException(path, $"truncated: tensor {t.Name} ({t.Type}, {t.Elements} values) needs bytes up to {dataStart + t.Offset + size}, the file has {bytes.Length}");
        }
        return new GgufFile(path, bytes, version, metadata, tensors, dataStart);
    }

    /// <summary>The tensor's values as float32, dequantized as ggml defines its type.</summary>
    public float[] ReadFloats(GgufTensorInfo t)
    {
        var values = new float[t.Elements];
        long size = GgmlTypes.ByteSize(t.Type, t.Elements);
        GgmlTypes.Dequantize(t.Type, _bytes.AsSpan(checked((int)(_dataStart + t.Offset)), checked((int)size)), values);
        return values;
    }

    /// <summary>The tensor's stored bytes (blocks as written).</summary>
    public ReadOnlySpan<byte> RawBytes(GgufTensorInfo t) =>
        _bytes.AsSpan(checked((int)(_dataStart + t.Offset)), checked((int)GgmlTypes.ByteSize(t.Type, t.Elements)));

    public byte[] FileBytes => _bytes;

    /// <summary>Metadata accessors: a missing or mistyped key is bad input naming the key.</summary>
    public string RequireString(string key) =>
        Metadata.TryGetValue(key, out object? v) && v is string s ? s : throw new InputException(Path, $"metadata {key} (string) is missing");

    public long RequireInt(string key) => OptionalInt(key) ?? throw new InputException(Path, $"metadata {key} (integer) is missing");

    public long? OptionalInt(string key) => Metadata.TryGetValue(key, out object? v) ? v switch
    {
        byte or sbyte or short or ushort or int or uint or long => Convert.ToInt64(v),
        ulong u => (long)u,
        _ => throw new InputException(Path, $"metadata {key} is a {v.GetType().Name}, expected an integer"),
    } : null;

    public float? OptionalFloat(string key) => Metadata.TryGetValue(key, out object? v) ? v switch
    {
        float f => f,
        double d => (float)d,
        _ => throw new InputException(Path, $"metadata {key} is a {v.GetType().Name}, expected a float"),
    } : null;

    public bool? OptionalBool(string key) => Metadata.TryGetValue(key, out object? v) ? v is bool b ? b
        : throw new InputException(Path, $"metadata {key} is a {v.GetType().Name}, expected a bool") : null;

    public T[]? OptionalArray<T>(string key) => Metadata.TryGetValue(key, out object? v) ? v is T[] arr ? arr
        : throw new InputException(Path, $"metadata {key} is a {v.GetType().Name}, expected an array of {typeof(T).Name}") : null;

    /// <summary>Reads the header fields with bounds checks.</summary>
    private sealed class Cursor(string path, byte[] bytes)
    {
        public long At;

        private ReadOnlySpan<byte> Take(long n, string what)
        {
            if (n < 0 || At + n > bytes.Length) throw new InputException(path, $"truncated: {what} at byte {At} runs past the end ({bytes.Length} bytes)");
            var s = bytes.AsSpan((int)At, (int)n);
            At += n;
            return s;
        }

        public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, "a 32-bit field"));

        public long Count(string what)
        {
            ulong v = BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));
            if (v > (ulong)bytes.Length * 8 + 1024 && !what.Contains("offset") && !what.Contains("dimension"))
                throw new InputException(path, $"{what} {v} is impossible for a {bytes.Length}-byte file");
            if (v > long.MaxValue / 2) throw new InputException(path, $"{what} {v} is out of range");
            return (long)v;
        }

        public string String()
        {
            long n = Count("string length");
            return Encoding.UTF8.GetString(Take(n, "a string"));
        }

        public object Value(uint type, string key)
        {
            switch (type)
            {
                case 0: return Take(1, key)[0];
                case 1: return (sbyte)Take(1, key)[0];
                case 2: return BinaryPrimitives.ReadUInt16LittleEndian(Take(2, key));
                case 3: return BinaryPrimitives.ReadInt16LittleEndian(Take(2, key));
                case 4: return BinaryPrimitives.ReadUInt32LittleEndian(Take(4, key));
                case 5: return BinaryPrimitives.ReadInt32LittleEndian(Take(4, key));
                case 6: return BinaryPrimitives.ReadSingleLittleEndian(Take(4, key));
                case 7: return Take(1, key)[0] != 0;
                case 8: return String();
                case 10: return BinaryPrimitives.ReadUInt64LittleEndian(Take(8, key));
                case 11: return BinaryPrimitives.ReadInt64LittleEndian(Take(8, key));
                case 12: return BinaryPrimitives.ReadDoubleLittleEndian(Take(8, key));
                case 9:
                    uint elem = U32();
                    long n = Count($"array length of {key}");
                    return elem switch
                    {
                        8 => Fill(n, () => String()),
                        4 => Fill(n, () => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, key))),
                        5 => Fill(n, () => BinaryPrimitives.ReadInt32LittleEndian(Take(4, key))),
                        6 => Fill(n, () => BinaryPrimitives.ReadSingleLittleEndian(Take(4, key))),
                        0 or 1 or 2 or 3 or 7 or 10 or 11 or 12 => Fill(n, () => Value(elem, key)),
                        _ => throw new InputException(path, $"metadata {key}: unknown array element type {elem}"),
                    };
                default: throw new InputException(path, $"metadata {key}: unknown value type {type}");
            }
        }

        private static T[] Fill<T>(long n, Func<T> read)
        {
            var a = new T[n];
            for (long i = 0; i < n; i++) a[i] = read();
            return a;
        }
    }
}
