using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Runtime.Model
{
    /// <summary>
    /// Hyperparameters of a Llama-family model, stored in the "config" section (64 bytes):
    /// 0 architecture | 4 dim | 8 hidden_dim | 12 n_layers | 16 n_heads | 20 n_kv_heads | 24 vocab_size
    /// | 28 seq_len | 32 shared_classifier (0/1) | 36 ffn activation | 40 f32 norm eps | 44 f32 rope theta | 48.. reserved.
    /// </summary>
    public sealed class ModelConfig
    {
        public const int Bytes = 64;
        public const int ArchitectureLlama = 1;

        /// <summary>FFN = w2(silu(w1 x) * w3 x), as in Llama.</summary>
        public const int ActivationSwiGlu = 0;
        /// <summary>FFN = w2(relu(w1 x) * w3 x): a gated ReLU FFN, whose exact zeros make neurons truly inactive.</summary>
        public const int ActivationReluGlu = 1;

        public int Architecture = ArchitectureLlama;
        public int Dim;
        public int HiddenDim;
        public int Layers;
        public int Heads;
        public int KvHeads;
        public int VocabSize;
        public int SeqLen;
        public bool SharedClassifier;
        public int FfnActivation = ActivationSwiGlu;
        public float NormEps = 1e-5f;
        public float RopeTheta = 10000f;
        /// <summary>
        /// Not stored in the config section: the tokenizer section's BOS and EOS ids, set by <see cref="EtbModel.Open"/>
        /// (and by the converter's importers) so whatever runs the model — generation, tuning — starts and stops where the
        /// vocabulary says. llama2.c's 1 and 2 until then.
        /// </summary>
        public int BosToken = Text.Tokenizer.DefaultBos;
        public int EosToken = Text.Tokenizer.DefaultEos;

        /// <summary>
        /// Longest context a config may declare. Nothing in a file bounds seq_len (no tensor is sized by it), yet the KV
        /// cache is: a hostile header must be refused here, not by an out-of-memory when the cache is allocated.
        /// </summary>
        public const int MaxSeqLen = 1 << 20;
        /// <summary>Most layers a config may declare: each needs its own sections, and a directory holds at most this many.</summary>
        public const int MaxLayers = EtbLayout.MaxSections;
        /// <summary>Most floats one layer's key (or value) cache may hold for the full context: one array each.</summary>
        public const long MaxKvFloatsPerLayer = 1L << 28;

        public int HeadSize { get { return Dim / Heads; } }
        public int KvDim { get { return Dim * KvHeads / Heads; } }
        private long KvDimLong { get { return (long)Dim * KvHeads / Heads; } }
        /// <summary>How many query heads share one key/value head (grouped-query attention).</summary>
        public int KvMul { get { return Heads / KvHeads; } }

        /// <summary>Checks that the numbers describe a model this runtime can run; throws naming the first bad one.</summary>
        public void Validate()
        {
            if (Architecture != ArchitectureLlama) throw new ModelFormatException("config: unknown architecture " + Architecture.ToString());
            Positive("dim", Dim);
            Positive("hidden_dim", HiddenDim);
            Positive("n_layers", Layers);
            Positive("n_heads", Heads);
            Positive("n_kv_heads", KvHeads);
            Positive("vocab_size", VocabSize);
            Positive("seq_len", SeqLen);
            if (Dim % Heads != 0) throw new ModelFormatException("config: dim " + Dim.ToString() + " is not a multiple of n_heads " + Heads.ToString());
            if (Heads % KvHeads != 0) throw new ModelFormatException("config: n_heads " + Heads.ToString() + " is not a multiple of n_kv_heads " + KvHeads.ToString());
            if (Layers > MaxLayers) throw new ModelFormatException("config: n_layers " + Layers.ToString() + " is above the " + MaxLayers.ToString() + " this runtime allows");
            if (SeqLen > MaxSeqLen) throw new ModelFormatException("config: seq_len " + SeqLen.ToString() + " is above the " + MaxSeqLen.ToString() + " this runtime allows");
            if ((long)SeqLen * KvDimLong > MaxKvFloatsPerLayer)
                throw new ModelFormatException("config: seq_len " + SeqLen.ToString() + " x kv_dim " + KvDimLong.ToString()
                    + " floats per layer of KV cache is above the " + MaxKvFloatsPerLayer.ToString() + " this runtime allows");
            if (HeadSize % 2 != 0) throw new ModelFormatException("config: head size " + HeadSize.ToString() + " must be even for RoPE");
            if (FfnActivation != ActivationSwiGlu && FfnActivation != ActivationReluGlu)
                throw new ModelFormatException("config: unknown FFN activation " + FfnActivation.ToString());
            if (!(NormEps > 0f) || !(RopeTheta > 0f)) throw new ModelFormatException("config: norm eps and rope theta must be positive");
        }

        private static void Positive(string name, int value)
        {
            if (value <= 0) throw new ModelFormatException("config: " + name + " is " + value.ToString() + ", must be positive");
        }

        public static ModelConfig Parse(byte[] b)
        {
            if (b.Length < Bytes) throw new ModelFormatException("config section is " + b.Length.ToString() + " bytes, expected " + Bytes.ToString());
            ModelConfig c = new ModelConfig();
            c.Architecture = LittleEndian.ReadInt32(b, 0);
            c.Dim = LittleEndian.ReadInt32(b, 4);
            c.HiddenDim = LittleEndian.ReadInt32(b, 8);
            c.Layers = LittleEndian.ReadInt32(b, 12);
            c.Heads = LittleEndian.ReadInt32(b, 16);
            c.KvHeads = LittleEndian.ReadInt32(b, 20);
            c.VocabSize = LittleEndian.ReadInt32(b, 24);
            c.SeqLen = LittleEndian.ReadInt32(b, 28);
            c.SharedClassifier = LittleEndian.ReadInt32(b, 32) != 0;
            c.FfnActivation = LittleEndian.ReadInt32(b, 36);
            c.NormEps = LittleEndian.ReadSingle(b, 40);
            c.RopeTheta = LittleEndian.ReadSingle(b, 44);
            c.Validate();
            return c;
        }

        public byte[] ToBytes()
        {
            byte[] b = new byte[Bytes];
            LittleEndian.WriteInt32(b, 0, Architecture);
            LittleEndian.WriteInt32(b, 4, Dim);
            LittleEndian.WriteInt32(b, 8, HiddenDim);
            LittleEndian.WriteInt32(b, 12, Layers);
            LittleEndian.WriteInt32(b, 16, Heads);
            LittleEndian.WriteInt32(b, 20, KvHeads);
            LittleEndian.WriteInt32(b, 24, VocabSize);
            LittleEndian.WriteInt32(b, 28, SeqLen);
            LittleEndian.WriteInt32(b, 32, SharedClassifier ? 1 : 0);
            LittleEndian.WriteInt32(b, 36, FfnActivation);
            PutBytes(b, 40, System.BitConverter.GetBytes(NormEps));
            PutBytes(b, 44, System.BitConverter.GetBytes(RopeTheta));
            return b;
        }

        private static void PutBytes(byte[] b, int at, byte[] v)
        {
            System.Array.Copy(v, 0, b, at, 4);
        }
    }
}
