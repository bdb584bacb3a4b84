using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Runtime
{
    /// <summary>
    /// A model opened from an .etb file: config, tokenizer, manifest and weights, with every byte it holds
    /// accounted in <see cref="Ledger"/>. Start here: <c>EtbModel.Load(source)</c>, then
    /// <see cref="CreateTransformer"/> and a <see cref="Generation.Generator"/>.
    /// </summary>
    public sealed class EtbModel
    {
        /// <summary>Bytes of the scratch buffer used to stream sections while loading.</summary>
        public const int LoadChunkBytes = 4096;

        public EtbReader Reader;
        public ModelConfig Config;
        public LlamaWeights Weights;
        public Tokenizer Tokenizer;
        /// <summary>The converter's manifest (JSON text: source hash, converter version, policy…).</summary>
        public string Manifest;
        public MemoryLedger Ledger;

        public static EtbModel Load(BlockSource source)
        {
            return Load(source, new MemoryLedger());
        }

        public static EtbModel Load(BlockSource source, MemoryLedger ledger)
        {
            EtbModel m = new EtbModel();
            m.Ledger = ledger;
            m.Reader = new EtbReader(source);
            m.Config = ModelConfig.Parse(m.Reader.ReadSection(m.Reader.Require(TensorNames.Config)));

            m.Tokenizer = new Tokenizer(m.Reader.ReadSection(m.Reader.Require(TensorNames.Tokenizer)));
            if (m.Tokenizer.VocabSize != m.Config.VocabSize)
                throw new ModelFormatException("tokenizer has " + m.Tokenizer.VocabSize.ToString() + " tokens, the model's vocabulary is "
                    + m.Config.VocabSize.ToString());
            ledger.Record("tokenizer", m.Tokenizer.HeldBytes);

            SectionEntry manifest = m.Reader.Find(TensorNames.Manifest);
            if (manifest != null)
            {
                byte[] text = m.Reader.ReadSection(manifest);
                m.Manifest = new string(System.Text.Encoding.UTF8.GetChars(text));
            }

            byte[] scratch = ledger.Bytes("load.scratch", LoadChunkBytes);
            m.Weights = LlamaWeights.Load(m.Reader, m.Config, ledger, scratch);
            ledger.Release("load.scratch", LoadChunkBytes);
            return m;
        }

        /// <summary>A forward pass with its own activations and a KV cache of <paramref name="contextLength"/> positions.</summary>
        public Transformer CreateTransformer(IKernels kernels, int contextLength)
        {
            return new Transformer(Config, Weights, kernels, contextLength, Ledger);
        }

        /// <summary>A sampler whose buffers are counted in the ledger.</summary>
        public Sampler CreateSampler(float temperature, float topP, ulong seed, IKernels kernels)
        {
            Sampler s = new Sampler(Config.VocabSize, temperature, topP, seed, kernels);
            Ledger.Record("sampler", s.HeldBytes);
            return s;
        }
    }
}
