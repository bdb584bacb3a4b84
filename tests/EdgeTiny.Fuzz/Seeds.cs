using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Import;
using EdgeTiny.Fuzz.Targets;
using EdgeTiny.Host.Protocol;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Training;
using EdgeTiny.TestSupport;

namespace EdgeTiny.Fuzz;

/// <summary>
/// Writes each target's seed corpus from real files, at fuzz time (nothing from ../shared is copied into the repo):
/// .etb files the converter writes (every codec, packed and plain, with the self-check), adapters the runtime encodes,
/// checkpoints the llama2.c writer writes, the real tokenizer, the committed board profiles and HIL case files, and
/// the bytes a real client and server exchange.
/// </summary>
public static class Seeds
{
    public static void Write(string root)
    {
        string scratch = Path.Combine(root, ".scratch");
        Directory.CreateDirectory(scratch);
        using var temp = new TempDir();
        SourceModel tiny = TinyModels.AsCheckpoint(TinyModels.Source(FileTargets.AdapterModel, 7), temp);

        // .etb: the converter's own output for the tiny model in every codec, packed and plain.
        var etbs = new List<(string Name, ConvertOptions Options)>
        {
            ("f32", new ConvertOptions { Policy = "none", Bits = 32 }),
            ("q8", new ConvertOptions { Policy = "none", Bits = 8, GroupSize = 16 }),
            ("q4-packed", new ConvertOptions { Policy = "none", Bits = 4, GroupSize = 16, Pack = "coactivation" }),
            ("sparse-q4", new ConvertOptions { Policy = "uniform", Bits = 4, Sparsity = 0.5, GroupSize = 16 }),
            ("q2", new ConvertOptions { Policy = "none", Bits = 2, GroupSize = 8 }),
        };
        foreach (var (name, options) in etbs)
        {
            string path = Path.Combine(scratch, name + ".etb");
            ModelConverter.Convert(tiny, options, path);
            byte[] bytes = File.ReadAllBytes(path);
            Put(root, "etb", name, bytes);
            Put(root, "etb-crc", name, bytes);
            using var source = new StreamBlockSource(new MemoryStream(bytes), ownsStream: true);
            var reader = new EtbReader(source);
            Put(root, "etb-tokenizer", "tiny", reader.ReadSection(reader.Require(TensorNames.Tokenizer)));
        }
        if (SharedData.Available)
        {
            // The real model, compressed the most (so the file stays small enough for the fuzzer).
            string path = Path.Combine(scratch, "stories260K-q2.etb");
            ModelConverter.Convert(Llama2cCheckpoint.Read(SharedData.Stories260K, SharedData.Tok512),
                new ConvertOptions { Policy = "none", Bits = 2, GroupSize = 64 }, path);
            byte[] bytes = File.ReadAllBytes(path);
            Put(root, "etb", "stories260K-q2", bytes);
            using var source = new StreamBlockSource(new MemoryStream(bytes), ownsStream: true);
            var reader = new EtbReader(source);
            Put(root, "etb-tokenizer", "stories260K", reader.ReadSection(reader.Require(TensorNames.Tokenizer)));
        }

        // A byte-level BPE tokenizer section (version 2: header, raw-byte pieces, merges).
        Put(root, "etb-tokenizer", "bytelevel", EdgeTiny.Converter.Etb.TokenizerSection.Encode(ByteLevelBpeTrainer.Train(ByteLevelBpeTrainer.TrainingText, 40)));

        // .eta: adapters for the tiny shape, from one layer and from all.
        foreach (int first in new[] { 0, 2 })
        {
            var set = new AdapterSet(FileTargets.AdapterModel, first, 2, 4f, false, new MemoryLedger());
            set.Initialize(5);
            Put(root, "eta", $"first{first}", AdapterFile.Encode(set, FileTargets.AdapterModel, 3));
        }

        // llama2.c: the writer's version 0 (SwiGLU) and version 1 (ReLU) layouts, and the real 512-token tokenizer.
        string v0 = Path.Combine(scratch, "v0.bin"), v1 = Path.Combine(scratch, "v1.bin");
        Llama2cCheckpoint.Write(tiny, v0);
        Llama2cCheckpoint.Write(tiny with { Config = Relu(tiny.Config) }, v1);
        Put(root, "llama2c", "v0", File.ReadAllBytes(v0));
        Put(root, "llama2c", "v1", File.ReadAllBytes(v1));
        string tok = SharedData.Available ? SharedData.Tok512 : Path.Combine(DemoModel.Directory, "tok512.bin");
        Put(root, "llama2c-tokenizer", "tok512", File.ReadAllBytes(tok));

        foreach (string board in Directory.GetFiles(BoardProfiles.Directory, "*.json"))
            if (!board.EndsWith("schema.json")) Put(root, "board-json", Path.GetFileNameWithoutExtension(board), File.ReadAllBytes(board));
        foreach (string cases in Directory.GetFiles(Path.Combine(SharedData.RepoRoot, "tests", "hil"), "*.json"))
            Put(root, "hil-json", Path.GetFileNameWithoutExtension(cases), File.ReadAllBytes(cases));

        // Imports (issue 18): a GGUF v3 file written after the spec, and the safetensors (F32, F16, BF16) and
        // tokenizer.json of the Hugging Face folder HfFolders writes, for the tiny model.
        SourceModel hfTiny = ImportTargets.TinyModel();
        Put(root, "gguf", "tiny-f32", GgufSeed.Write(hfTiny));
        foreach (string dtype in new[] { "F32", "F16", "BF16" })
        {
            string folder = Path.Combine(scratch, "hf-" + dtype);
            HfFolders.Write(hfTiny, folder, dtype);
            Put(root, "safetensors", dtype.ToLowerInvariant(), File.ReadAllBytes(Path.Combine(folder, "model.safetensors")));
            if (dtype == "F32") Put(root, "hf-tokenizer", "tiny", File.ReadAllBytes(Path.Combine(folder, "tokenizer.json")));
        }

        // The device protocol: what a real client sends and what the real server answers, call by call.
        (byte[] requests, byte[] replies) = RecordSession();
        Put(root, "device-server", "session", requests);
        Put(root, "device-client", "session", replies);
        Directory.Delete(scratch, true);
    }

    private static ModelConfig Relu(ModelConfig c)
    {
        var r = new ModelConfig
        {
            Dim = c.Dim, HiddenDim = c.HiddenDim, Layers = c.Layers, Heads = c.Heads, KvHeads = c.KvHeads, VocabSize = c.VocabSize,
            SeqLen = c.SeqLen, SharedClassifier = c.SharedClassifier, FfnActivation = ModelConfig.ActivationReluGlu,
        };
        return r;
    }

    /// <summary>Runs <see cref="ProtocolTargets.ClientCalls"/> against the fuzz server over an in-memory pipe.</summary>
    public static (byte[] Requests, byte[] Replies) RecordSession()
    {
        var (host, device) = PipeEnd.Create();
        var server = new Thread(() => ProtocolTargets.Server().Serve(device));
        server.Start();
        var client = new DeviceClient(host, 1024) { ReplyTimeoutMs = 10_000 };
        foreach (var call in ProtocolTargets.ClientCalls)
        {
            try { call(client); }
            catch (DeviceErrorException) { } // save/load without a card: an error reply is a seed too
        }
        host.Close();
        server.Join();
        return (host.Sent.ToArray(), host.Received.ToArray());
    }

    private static void Put(string root, string target, string name, byte[] bytes)
    {
        string dir = Path.Combine(root, target);
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, name), bytes);
    }
}
