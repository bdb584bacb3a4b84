namespace EdgeTiny.Runtime.Model
{
    /// <summary>The parts of a forward pass, in the order <see cref="Transformer.Forward"/> enters them.</summary>
    public static class ForwardPhase
    {
        public const int Embedding = 0;
        /// <summary>RMSNorm, q/k/v and output projections, RoPE.</summary>
        public const int AttentionProjections = 1;
        /// <summary>Scores, softmax and the weighted sum over the KV cache.</summary>
        public const int Attention = 2;
        /// <summary>RMSNorm, gate/up, activation, down.</summary>
        public const int Ffn = 3;
        /// <summary>Final RMSNorm and the classifier.</summary>
        public const int Classifier = 4;
        /// <summary>The pass has finished.</summary>
        public const int Done = 5;
        public const int Count = 5;

        public static string Name(int phase)
        {
            switch (phase)
            {
                case Embedding: return "embedding";
                case AttentionProjections: return "attention_projections";
                case Attention: return "attention";
                case Ffn: return "ffn";
                case Classifier: return "classifier";
                default: return "done";
            }
        }
    }

    /// <summary>
    /// Hears which <see cref="ForwardPhase"/> a forward pass enters, so a host can time them. Called a dozen times per
    /// layer: implementations must not allocate.
    /// </summary>
    public interface IForwardObserver
    {
        void Phase(int phase);
    }
}
