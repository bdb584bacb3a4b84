using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using EdgeTiny.Cli.Commands;
using EdgeTiny.Converter;
using EdgeTiny.Converter.Import;
using EdgeTiny.Host.Boards;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Training;

namespace EdgeTiny.Fuzz.Targets;

/// <summary>The readers of files a user hands the desktop tools or a board's card holds: adapters, llama2.c, JSON.</summary>
public static class FileTargets
{
    /// <summary>The model shape adapters are checked against (the tiny test shape: seeds are adapters for it).</summary>
    public static readonly ModelConfig AdapterModel = TestSupport.TinyModels.Shape();

    /// <summary>
    /// An .eta file as <see cref="AdapterFile.Load"/> reads it, after fixing its header CRC, payload CRC and model
    /// fingerprint (otherwise nearly every mutation stops at the checksum).
    /// </summary>
    public static void Adapters(byte[] b)
    {
        if (b.Length >= AdapterFile.HeaderBytes)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(20), AdapterFile.Fingerprint(AdapterModel));
            long payload = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(12));
            if (payload <= b.Length - AdapterFile.HeaderBytes)
                BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(16), Crc32.Compute(b, AdapterFile.HeaderBytes, (int)payload));
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(28), Crc32.Compute(b, 0, 28));
        }
        if (!AdapterFile.Valid(b, AdapterModel)) return;
        AdapterSet.ReadShape(b, AdapterFile.HeaderBytes, b.Length - AdapterFile.HeaderBytes, AdapterModel, out _, out _);
        AdapterSet set = AdapterSet.Deserialize(b, AdapterFile.HeaderBytes, b.Length - AdapterFile.HeaderBytes, AdapterModel, true, new MemoryLedger());
        GC.KeepAlive(set);
    }

    public static bool AdapterRefusal(Exception e) => e is ModelFormatException;

    public static void Llama2c(byte[] b) => Llama2cCheckpoint.ReadTensors("fuzz.bin", new MemoryStream(b, writable: false));

    /// <summary>A llama2.c tokenizer for a 512-token vocabulary (tok512.bin's: the seeds).</summary>
    public static void Llama2cTokenizerFile(byte[] b) => Llama2cTokenizer.Parse(b, "tok512.bin", 512);

    public static bool InputRefusal(Exception e) => e is InputException;

    /// <summary>A profile must be named after its id: the harness names it so, to get past that rule to the others.</summary>
    public static void BoardProfile(byte[] b)
    {
        string text = Text(b);
        BoardProfileReader.Parse(text, IdOf(text) + ".json");
    }

    /// <summary>A case file read as if it lay in tests/hil (its ${repo} and ${shared} paths resolve as for the real ones).</summary>
    public static void HilCases(byte[] b) => HilCaseFile.Parse(Text(b), Path.Combine(TestSupport.SharedData.RepoRoot, "tests", "hil", "fuzz.json"));

    private static string IdOf(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("id", out JsonElement id)
                && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } s && s.IndexOfAny(Path.GetInvalidFileNameChars()) < 0 ? s : "fuzz";
        }
        catch (JsonException)
        {
            return "fuzz";
        }
    }

    private static string Text(byte[] b) => Encoding.UTF8.GetString(b);
}
