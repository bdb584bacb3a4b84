using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Runtime
{
    /// <summary>
    /// A model opened from an .etb file within a RAM budget: config, tokenizer, manifest and weights (resident or
    /// streamed, as the <see cref="Plan"/> decided), with every byte it holds accounted in <see cref="Ledger"/>.
    /// Start here: <c>EtbModel.Open(file, options)</c>, then <see cref="CreateTransformer(IKernels)"/> and a
    /// <see cref="Generation.Generator"/>.
    /// </summary>
    public sealed class EtbModel
    {
        public EtbReader Reader;
        public ModelConfig Config;
        public LlamaWeights Weights;
        public Tokenizer Tokenizer;
        /// <summary>The converter's manifest (JSON text: source hash, converter version, policy…).</summary>
        public string Manifest;
        public MemoryLedger Ledger;
        public MemoryPlan Plan;
        public RuntimeOptions Options;
        /// <summary>The board's simulated SD card, or null when no storage timing was given.</summary>
        public SimulatedSdCard Storage;
        /// <summary>The block cache in front of storage (possibly of zero size).</summary>
        public BlockCache Cache;
        /// <summary>The source every read ends at (counts device-level reads and bytes).</summary>
        public BlockSource Device;

        /// <summary>Opens with no budget: everything resident, float KV cache of the model's full context.</summary>
        public static EtbModel Load(BlockSource file)
        {
            return Open(file, new RuntimeOptions());
        }

        public static EtbModel Open(BlockSource file, RuntimeOptions options)
        {
            EtbModel m = new EtbModel();
            MemoryLedger ledger = new MemoryLedger();
            m.Ledger = ledger;
            m.Options = options;
            if (options.Storage != null) m.Storage = new SimulatedSdCard(file, options.Storage);
            m.Device = m.Storage != null ? (BlockSource)m.Storage : file;

            m.Reader = new EtbReader(m.Device);
            ledger.Record("directory", MemoryLedger.ArrayCost((long)m.Reader.SectionCount * EtbLayout.DirectoryEntryBytes));
            m.Config = ModelConfig.Parse(m.Reader.ReadSection(m.Reader.Require(TensorNames.Config)));
            m.Tokenizer = new Tokenizer(m.Reader.ReadSection(m.Reader.Require(TensorNames.Tokenizer)));
            if (m.Tokenizer.VocabSize != m.Config.VocabSize)
                throw new ModelFormatException("tokenizer has " + m.Tokenizer.VocabSize.ToString() + " tokens, the model's vocabulary is "
                    + m.Config.VocabSize.ToString());
            ledger.Record("tokenizer", m.Tokenizer.HeldBytes);
            m.Config.BosToken = m.Tokenizer.Bos;
            m.Config.EosToken = m.Tokenizer.Eos;
            SectionEntry manifest = m.Reader.Find(TensorNames.Manifest);
            if (manifest != null) m.Manifest = new string(System.Text.Encoding.UTF8.GetChars(m.Reader.ReadSection(manifest)));

            MemoryPlan plan = MemoryPlanner.Plan(m.Reader, m.Config, ledger.CurrentBytes, options);
            m.Plan = plan;
            m.Cache = new BlockCache(m.Device, plan.CacheBlockBytes, plan.CacheBytes, ledger);
            bool anyF32 = false;
            string[] matrices = LlamaWeights.MatrixNames(m.Config, LlamaWeights.PackedLayers(m.Reader, m.Config));
            for (int i = 0; i < matrices.Length; i++) if (m.Reader.Require(matrices[i]).Codec == Codec.F32) anyF32 = true;
            WeightStream stream = new WeightStream(m.Cache, plan.ChunkBytes, anyF32, ledger);
            m.Weights = LlamaWeights.Load(m.Reader, m.Config, plan, stream, options, ledger);

            // From here on, counters measure generation only.
            m.Device.ResetCounters();
            m.Cache.ResetCounters();
            if (m.Storage != null) m.Storage.ResetSimulation();
            return m;
        }

        /// <summary>A forward pass sized by the plan (context, KV precision), its buffers counted in the ledger.</summary>
        public Transformer CreateTransformer(IKernels kernels)
        {
            return new Transformer(Config, Weights, kernels, Plan.Context, Plan.KvInt8, Ledger);
        }

        /// <summary>A forward pass with an explicit context (float KV cache), outside the plan.</summary>
        public Transformer CreateTransformer(IKernels kernels, int contextLength)
        {
            return new Transformer(Config, Weights, kernels, contextLength, false, Ledger);
        }

        /// <summary>A sampler whose buffers are counted in the ledger.</summary>
        public Sampler CreateSampler(float temperature, float topP, ulong seed, IKernels kernels)
        {
            return new Sampler(Config.VocabSize, temperature, topP, seed, kernels, Ledger);
        }
    }
}
