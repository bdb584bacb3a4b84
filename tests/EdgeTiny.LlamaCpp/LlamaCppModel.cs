using LLama;
using LLama.Common;
using LLama.Native;

namespace EdgeTiny.LlamaCpp;

/// <summary>A GGUF file loaded by llama.cpp (CPU): its tokenizer, its logits for a token sequence, greedy decoding.</summary>
public sealed class LlamaCppModel : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly ModelParams _params;

    public LlamaCppModel(string path, int contextSize = 512, int threads = 1)
    {
        LlamaCppRuntime.EnsureLoaded();
        _params = new ModelParams(path)
        {
            ContextSize = (uint)contextSize,
            BatchSize = (uint)contextSize,
            UBatchSize = (uint)contextSize,
            GpuLayerCount = 0,
            Threads = threads,
            BatchThreads = threads,
            // The KV cache in float32 (llama.cpp's default is F16, which would round every key and value) and the
            // plain attention path, so an F32 file is computed in float32 end to end, as ours is.
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            FlashAttention = false,
        };
        _weights = LLamaWeights.LoadFromFile(_params);
    }

    public int VocabSize => _weights.Vocab.Count;

    /// <summary>llama.cpp's BOS and EOS ids for the file.</summary>
    public (int Bos, int Eos) Special => ((int)(_weights.Vocab.BOS ?? throw new InvalidOperationException("no BOS")), (int)(_weights.Vocab.EOS ?? throw new InvalidOperationException("no EOS")));

    /// <summary>llama.cpp's token ids for a text (special-token text is not parsed).</summary>
    public int[] Tokenize(string text, bool bos)
    {
        using var ctx = _weights.CreateContext(_params);
        return ctx.Tokenize(text, bos, special: false).Select(t => (int)t).ToArray();
    }

    /// <summary>llama.cpp's bytes for one token (token_to_piece, special tokens invisible, no space stripped).</summary>
    public byte[] Piece(int token)
    {
        var buffer = new byte[256];
        int n = (int)_weights.NativeHandle.TokenToSpan((LLamaToken)token, buffer, 0, false);
        if (n > buffer.Length) throw new InvalidOperationException($"token {token}'s piece is longer than {buffer.Length} bytes");
        return buffer[..n];
    }

    /// <summary>The logits at every position of a token sequence, in one batch.</summary>
    public float[][] Logits(int[] tokens)
    {
        using var ctx = _weights.CreateContext(_params);
        var batch = new LLamaBatch();
        for (int i = 0; i < tokens.Length; i++) batch.Add((LLamaToken)tokens[i], i, LLamaSeqId.Zero, true);
        Check(ctx.Decode(batch));
        return Enumerable.Range(0, tokens.Length).Select(i => ctx.NativeHandle.GetLogitsIth(i).ToArray()).ToArray();
    }

    /// <summary>Greedy decoding one token at a time (as a chat would): the prompt, then <paramref name="steps"/> argmax tokens.</summary>
    public int[] Greedy(int[] prompt, int steps, Action? perToken = null)
    {
        using var ctx = _weights.CreateContext(_params);
        var batch = new LLamaBatch();
        for (int i = 0; i < prompt.Length; i++) batch.Add((LLamaToken)prompt[i], i, LLamaSeqId.Zero, i == prompt.Length - 1);
        Check(ctx.Decode(batch));
        var output = new List<int>();
        int pos = prompt.Length;
        for (int s = 0; s < steps; s++)
        {
            Span<float> logits = ctx.NativeHandle.GetLogitsIth(batch.TokenCount - 1);
            int next = 0;
            for (int v = 1; v < logits.Length; v++) if (logits[v] > logits[next]) next = v;
            output.Add(next);
            perToken?.Invoke();
            batch.Clear();
            batch.Add((LLamaToken)next, pos++, LLamaSeqId.Zero, true);
            Check(ctx.Decode(batch));
        }
        return output.ToArray();
    }

    private static void Check(DecodeResult r)
    {
        if (r != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode: {r}");
    }

    /// <summary>Quantizes a GGUF file with llama.cpp's own llama_model_quantize.</summary>
    public static void Quantize(string source, string destination, LLamaFtype type)
    {
        LlamaCppRuntime.EnsureLoaded();
        LLamaModelQuantizeParams p = LLamaModelQuantizeParams.Default();
        p.ftype = type;
        p.nthread = 1;
        p.allow_requantize = true;
        uint result = NativeApi.llama_model_quantize(source, destination, ref p);
        if (result != 0) throw new InvalidOperationException($"llama_model_quantize failed ({result}): {source} → {type}");
    }

    public void Dispose() => _weights.Dispose();
}
