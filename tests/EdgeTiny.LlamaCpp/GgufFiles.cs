using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Import.Gguf;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Model;
using EdgeTiny.TestSupport;
using LLama.Native;

namespace EdgeTiny.LlamaCpp;

/// <summary>
/// GGUF files made by the real tools, once per test run: stories260K (and a generated model whose rows are multiples of
/// 256, so the k-quants apply to every matrix) written by ggml's own GGUF writer, then quantized by llama.cpp's own
/// llama_model_quantize. Each file is converted once, losslessly (--policy none --bits 32), by our importer.
/// </summary>
public sealed class GgufFiles : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, string> _files = [];
    private readonly Dictionary<string, string> _converted = [];
    private readonly Lock _lock = new();

    public static readonly LLamaFtype[] StoriesQuantizations = [LLamaFtype.MOSTLY_Q8_0, LLamaFtype.MOSTLY_Q4_0, LLamaFtype.MOSTLY_Q4_K_M, LLamaFtype.MOSTLY_Q6_K];
    public static readonly LLamaFtype[] GeneratedQuantizations =
        [LLamaFtype.MOSTLY_Q8_0, LLamaFtype.MOSTLY_Q4_0, LLamaFtype.MOSTLY_Q4_1, LLamaFtype.MOSTLY_Q5_0, LLamaFtype.MOSTLY_Q5_1,
         LLamaFtype.MOSTLY_Q4_K_M, LLamaFtype.MOSTLY_Q5_K_M, LLamaFtype.MOSTLY_Q6_K, LLamaFtype.MOSTLY_F16, LLamaFtype.MOSTLY_BF16];

    public SourceModel Stories => _stories.Value;
    private readonly Lazy<SourceModel> _stories = new(() => Llama2cCheckpoint.Read(SharedData.Stories260K, SharedData.Tok512));

    /// <summary>
    /// A random 2-layer model, dim 256, hidden 512, GQA 4/2, with stories260K's tokenizer (so text means something), its
    /// matrices scaled to ±0.05 (the size of a trained model's weights at this width, so activations stay in range).
    /// </summary>
    public SourceModel Generated => _generated.Value;
    private readonly Lazy<SourceModel> _generated;

    /// <summary>
    /// A random 2-layer model, dim 64, with a GPT-2-style byte-level BPE vocabulary of 300 merges trained on the project's
    /// story text (<see cref="ByteLevelBpeTrainer"/>; BOS and EOS are its last two ids), matrices scaled as
    /// <see cref="Generated"/>'s.
    /// </summary>
    public SourceModel ByteLevel => _byteLevel.Value;
    private readonly Lazy<SourceModel> _byteLevel = new(() =>
    {
        SourceTokenizer tok = ByteLevelBpeTrainer.Train(ByteLevelBpeTrainer.TrainingText, 300);
        SourceModel m = TinyModels.Source(TinyModels.Shape(dim: 64, hidden: 128, layers: 2, heads: 4, kvHeads: 2, vocab: tok.Pieces.Length, seqLen: 512), seed: 1818);
        return m with { Tokenizer = tok, Tensors = [.. m.Tensors.Select(t => t.IsNorm ? t : t with { Data = [.. t.Data.Select(v => v * 0.1f)] })] };
    });

    public GgufFiles()
    {
        _generated = new(() => TinyModels.Source(TinyModels.Shape(dim: 256, hidden: 512, layers: 2, heads: 4, kvHeads: 2, vocab: 512, seqLen: 512), seed: 18)
            is var m ? m with
            {
                Tokenizer = Stories.Tokenizer,
                Tensors = [.. m.Tensors.Select(t => t.IsNorm ? t : t with { Data = [.. t.Data.Select(v => v * 0.1f)] })],
            } : null!);
    }

    /// <summary>The model ("stories", "generated" or "bytelevel") as a GGUF file of this type (ALL_F32 = as ggml's writer wrote it).</summary>
    public string File(string model, LLamaFtype type = LLamaFtype.ALL_F32)
    {
        lock (_lock)
        {
            string key = $"{model}-{type}";
            if (_files.TryGetValue(key, out string? path)) return path;
            path = _dir.File(key + ".gguf");
            SourceModel source = model switch { "stories" => Stories, "bytelevel" => ByteLevel, _ => Generated };
            if (type == LLamaFtype.ALL_F32) GgufExport.Write(source, path, model);
            else if (QuantizedByWriter(model, type) is GgmlType t) GgufExport.Write(source, path, model, t);
            else LlamaCppModel.Quantize(File(model), path, type);
            return _files[key] = path;
        }
    }

    /// <summary>
    /// llama_model_quantize refuses Q8_0 and Q4_0 for stories260K (its FFN rows of 172 values are no multiple of the
    /// 32-value block, and those types have no fallback, unlike the k-quants); those two files are written by ggml's
    /// writer with ggml's reference quantizer for every matrix it can hold, the FFN down matrices staying F32.
    /// </summary>
    public static GgmlType? QuantizedByWriter(string model, LLamaFtype type) => model != "stories" ? null : type switch
    {
        LLamaFtype.MOSTLY_Q8_0 => GgmlType.Q8_0,
        LLamaFtype.MOSTLY_Q4_0 => GgmlType.Q4_0,
        _ => null,
    };

    /// <summary>
    /// The GGUF file converted by our importer: losslessly (--policy none --bits 32), or with <paramref name="bits"/> 8
    /// as group-symmetric int8 in groups of 32 (ggml's Q8_0 block).
    /// </summary>
    public string Converted(string model, LLamaFtype type = LLamaFtype.ALL_F32, int bits = 32)
    {
        string gguf = File(model, type);
        string key = $"{gguf}-{bits}";
        lock (_lock)
        {
            if (_converted.TryGetValue(key, out string? etb)) return etb;
            etb = Path.ChangeExtension(gguf, $".b{bits}.etb");
            ModelConverter.Convert(ModelImport.Read(gguf, null), new ConvertOptions { Policy = "none", Bits = bits, GroupSize = 32 }, etb);
            return _converted[key] = etb;
        }
    }

    public static EtbModel Load(string etb) => ConvertedModels.Load(etb);

    /// <summary>Our runtime's logits at every position of a token sequence (portable kernels).</summary>
    public static float[][] OurLogits(EtbModel m, int[] tokens)
    {
        Transformer t = m.CreateTransformer(new EdgeTiny.Runtime.Kernels.PortableKernels(), m.Config.SeqLen);
        return tokens.Select((tok, p) => (float[])t.Forward(tok, p).Clone()).ToArray();
    }

    public void Dispose() => _dir.Dispose();
}

