namespace EdgeTiny.Fuzz.Targets;

/// <summary>
/// Every fuzz target, by name. A new reader gets one line here, a seed writer in <see cref="Seeds"/> and a dictionary
/// in dict/ (with its case in fuzz.sh's dict_of) — fuzz.sh, the CI run and the regression tests pick it up.
/// </summary>
public static class AllTargets
{
    public static readonly FuzzTarget[] List =
    [
        new("etb", ".etb (as stored: CRCs checked)", EtbTargets.Load, EtbTargets.Refusal),
        new("etb-crc", ".etb (CRCs recomputed: header, directory, every codec's section, FFN data, self-check)", EtbTargets.LoadWithFixedCrcs, EtbTargets.Refusal),
        new("etb-tokenizer", ".etb tokenizer section (runtime Tokenizer)", EtbTargets.TokenizerSection, EtbTargets.Refusal),
        new("eta", ".eta adapters (CRCs recomputed)", FileTargets.Adapters, FileTargets.AdapterRefusal),
        new("llama2c", "llama2.c checkpoint (v0 and v1)", FileTargets.Llama2c, FileTargets.InputRefusal),
        new("llama2c-tokenizer", "llama2.c tokenizer", FileTargets.Llama2cTokenizerFile, FileTargets.InputRefusal),
        new("board-json", "board profile JSON", FileTargets.BoardProfile, FileTargets.InputRefusal),
        new("hil-json", "HIL case JSON", FileTargets.HilCases, FileTargets.InputRefusal),
        new("gguf", "GGUF model (GgufModel.Read: header, metadata, tensors, tokenizer.ggml.*)", ImportTargets.Gguf, ImportTargets.InputRefusal),
        new("safetensors", "Hugging Face folder's model.safetensors (HfModel.Read)", ImportTargets.Safetensors, ImportTargets.InputRefusal),
        new("hf-tokenizer", "Hugging Face tokenizer.json (HfTokenizer.Read)", ImportTargets.HfTokenizerFile, ImportTargets.InputRefusal),
        new("device-server", "device protocol, board side (DeviceServer)", ProtocolTargets.ServerFrames, ProtocolTargets.NoRefusal),
        new("device-client", "device protocol, host side (DeviceClient)", ProtocolTargets.ClientReplies, ProtocolTargets.ClientRefusal),
    ];

    public static FuzzTarget Get(string name) =>
        List.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"unknown fuzz target '{name}' (targets: {string.Join(", ", List.Select(t => t.Name))})");
}
