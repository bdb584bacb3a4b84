using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Memory;

namespace EdgeTiny.Runtime.Model
{
    /// <summary>All weights of a Llama model, one <see cref="Tensor"/> each, indexed by layer.</summary>
    public sealed class LlamaWeights
    {
        public Tensor TokenEmbedding;   // (vocab, dim)
        public Tensor[] RmsAtt;         // per layer (1, dim)
        public Tensor[] Wq;             // per layer (dim, dim)
        public Tensor[] Wk;             // per layer (kv_dim, dim)
        public Tensor[] Wv;             // per layer (kv_dim, dim)
        public Tensor[] Wo;             // per layer (dim, dim)
        public Tensor[] RmsFfn;         // per layer (1, dim)
        public Tensor[] W1;             // per layer (hidden, dim): gate
        public Tensor[] W2;             // per layer (dim, hidden): down
        public Tensor[] W3;             // per layer (hidden, dim): up
        public Tensor RmsFinal;         // (1, dim)
        public Tensor Classifier;       // (vocab, dim); the embedding itself when shared

        /// <summary>Loads every tensor the config calls for, checking shapes and CRCs.</summary>
        public static LlamaWeights Load(EtbReader reader, ModelConfig c, MemoryLedger ledger, byte[] scratch)
        {
            LlamaWeights w = new LlamaWeights();
            int L = c.Layers;
            w.TokenEmbedding = Tensor.Load(reader, TensorNames.TokenEmbedding, c.VocabSize, c.Dim, ledger, scratch);
            w.RmsAtt = new Tensor[L];
            w.Wq = new Tensor[L];
            w.Wk = new Tensor[L];
            w.Wv = new Tensor[L];
            w.Wo = new Tensor[L];
            w.RmsFfn = new Tensor[L];
            w.W1 = new Tensor[L];
            w.W2 = new Tensor[L];
            w.W3 = new Tensor[L];
            for (int l = 0; l < L; l++)
            {
                w.RmsAtt[l] = Tensor.Load(reader, TensorNames.Layer(l, TensorNames.RmsAtt), 1, c.Dim, ledger, scratch);
                w.Wq[l] = Tensor.Load(reader, TensorNames.Layer(l, TensorNames.Wq), c.Dim, c.Dim, ledger, scratch);
                w.Wk[l] = Tensor.Load(reader, TensorNames.Layer(l, TensorNames.Wk), c.KvDim, c.Dim, ledger, scratch);
                w.Wv[l] = Tensor.Load(reader, TensorNames.Layer(l, TensorNames.Wv), c.KvDim, c.Dim, ledger, scratch);
                w.Wo[l] = Tensor.Load(reader, TensorNames.Layer(l, TensorNames.Wo), c.Dim, c.Dim, ledger, scratch);
                w.RmsFfn[l] = Tensor.Load(reader, TensorNames.Layer(l, TensorNames.RmsFfn), 1, c.Dim, ledger, scratch);
                w.W1[l] = Tensor.Load(reader, TensorNames.Layer(l, TensorNames.W1), c.HiddenDim, c.Dim, ledger, scratch);
                w.W2[l] = Tensor.Load(reader, TensorNames.Layer(l, TensorNames.W2), c.Dim, c.HiddenDim, ledger, scratch);
                w.W3[l] = Tensor.Load(reader, TensorNames.Layer(l, TensorNames.W3), c.HiddenDim, c.Dim, ledger, scratch);
            }
            w.RmsFinal = Tensor.Load(reader, TensorNames.RmsFinal, 1, c.Dim, ledger, scratch);
            RequireF32(w.RmsFinal);
            for (int l = 0; l < L; l++)
            {
                RequireF32(w.RmsAtt[l]);
                RequireF32(w.RmsFfn[l]);
            }
            w.Classifier = c.SharedClassifier
                ? w.TokenEmbedding
                : Tensor.Load(reader, TensorNames.Classifier, c.VocabSize, c.Dim, ledger, scratch);
            return w;
        }

        /// <summary>Norm weights are tiny and feed every token at full precision; the format keeps them float32.</summary>
        private static void RequireF32(Tensor t)
        {
            if (t.Codec != Codec.F32)
                throw new ModelFormatException("section '" + t.Name + "': norm weights must be f32, found " + Codec.Name(t.Codec));
        }
    }
}
