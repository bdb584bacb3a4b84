namespace EdgeTiny.Runtime.Model
{
    /// <summary>Section names of a Llama model's tensors (the converter writes them, the runtime looks them up).</summary>
    public static class TensorNames
    {
        public const string Config = "config";
        public const string Tokenizer = "tokenizer";
        public const string Manifest = "manifest";
        /// <summary>The self-check section (Diagnostics/SelfCheck): optional, files from before it load without it.</summary>
        public const string SelfCheck = "selfcheck";
        public const string TokenEmbedding = "tok_embedding";
        public const string Classifier = "classifier";
        public const string RmsFinal = "rms_final";

        public const string RmsAtt = "rms_att";
        public const string Wq = "wq";
        public const string Wk = "wk";
        public const string Wv = "wv";
        public const string Wo = "wo";
        public const string RmsFfn = "rms_ffn";
        public const string W1 = "w1";
        public const string W2 = "w2";
        public const string W3 = "w3";

        /// <summary>Packed FFN (per layer): neuron bundles (up row | down column), their original indices, and per-layer thresholds.</summary>
        public const string FfnBundles = "ffn_bundles";
        public const string FfnPermutation = "ffn_perm";
        public const string FfnThresholds = "ffn_thresholds";

        /// <summary>"L{layer}.{tensor}", e.g. "L3.wq".</summary>
        public static string Layer(int layer, string tensor)
        {
            return "L" + layer.ToString() + "." + tensor;
        }
    }
}
