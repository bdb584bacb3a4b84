using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Runtime.Training
{
    /// <summary>
    /// How to tune, as the board receives it (device protocol) or the desktop CLI passes it: the window of layers, the
    /// adapter rank, the optimiser, steps, the schedule and the rehearsal that keeps the model from forgetting.
    /// </summary>
    public sealed class TuneSettings
    {
        /// <summary>K: adapters on (and backward through) the last K layers; with the adaptive schedule, the window size.</summary>
        public int Window = 2;
        public int Rank = 8;
        public float Alpha = 16f;
        public int Steps = 60;
        public float LearningRate = 5e-4f;
        public OptimizerKind Optimizer = OptimizerKind.Adam;
        public float ClipNorm = 1f;
        /// <summary>Tokens per training sequence (BOS first); capped by the model's seq_len.</summary>
        public int SequenceLength = 64;
        /// <summary>Edge-LLM's schedule: adapters on every layer, windows of K trained shallow → deep, each with its own exit.</summary>
        public bool Adaptive;
        public ulong Seed = 7;

        /// <summary>
        /// Rehearsal: after every adaptation step, this many steps on text the base model sampled before tuning began
        /// (self-generated, so the device needs no other data). Keeps the adapters from forgetting what the model knew.
        /// </summary>
        public int RehearsalSteps = 1;
        public int RehearsalSequences = 64;

        /// <summary>
        /// Rehearse by distillation (learning without forgetting): on a rehearsal sequence the adapted model is pulled to
        /// the base model's own next-token distribution (KL), computed by a forward pass without adapters just before.
        /// Its gradient is zero until the adapters drift, unlike training on the sampled tokens themselves, whose
        /// gradient is mostly noise. Costs one forward pass and (seq_len − 1) × vocab floats.
        /// </summary>
        public bool RehearsalDistill;

        /// <summary>
        /// With distillation: the weight λ of the rehearsal term in the joint objective L(text) + λ · mean KL(base ‖ adapted)
        /// over the step's rehearsal sequences, minimised by one update per step (learning without forgetting).
        /// </summary>
        public float RehearsalWeight = 1f;

        /// <summary>Linear learning-rate decay to a tenth of <see cref="LearningRate"/> at the last step (late steps settle instead of wander).</summary>
        public bool LearningRateDecay;

        /// <summary>Sequences the base model samples to measure base-domain loss before and after (0 = none).</summary>
        public int BaseSequences = 4;

        /// <summary>Layers that carry adapters: the window, or every layer for the adaptive schedule.</summary>
        public int AdaptedLayers(ModelConfig c)
        {
            return Adaptive ? c.Layers : Window;
        }

        /// <summary>The sequence length used for this model.</summary>
        public int SequenceLengthFor(ModelConfig c)
        {
            return SequenceLength < c.SeqLen ? SequenceLength : c.SeqLen;
        }

        /// <summary>Throws an ArgumentOutOfRangeException naming the setting that is out of range for this model.</summary>
        public void Validate(ModelConfig c)
        {
            if (Window < 1 || Window > c.Layers) throw new System.ArgumentOutOfRangeException("layers", Window.ToString() + " must be in 1.." + c.Layers.ToString());
            if (Rank < 1 || Rank > 256) throw new System.ArgumentOutOfRangeException("rank", Rank.ToString() + " must be in 1..256");
            if (Steps < 1 || Steps > 1000000) throw new System.ArgumentOutOfRangeException("steps", Steps.ToString() + " must be in 1..1000000");
            if (!(LearningRate > 0f) || LearningRate > 1f) throw new System.ArgumentOutOfRangeException("lr", "the learning rate must be in (0, 1]");
            if (SequenceLength < 2) throw new System.ArgumentOutOfRangeException("seq-len", "a training sequence needs at least 2 tokens");
            if (RehearsalSteps < 0 || RehearsalSteps > 16) throw new System.ArgumentOutOfRangeException("rehearsal", RehearsalSteps.ToString() + " must be in 0..16");
            if (RehearsalSequences < 1 || RehearsalSequences > 4096) throw new System.ArgumentOutOfRangeException("rehearsal-sequences", "must be in 1..4096");
            if (!(RehearsalWeight >= 0f) || RehearsalWeight > 100f) throw new System.ArgumentOutOfRangeException("rehearsal-weight", "must be in 0..100");
            if (BaseSequences < 0 || BaseSequences > 4096) throw new System.ArgumentOutOfRangeException("base-sequences", "must be in 0..4096");
        }

        /// <summary>Settings that make a tuning session allocate exactly what <paramref name="shape"/> describes.</summary>
        public static TuneSettings ForShape(TuningShape shape)
        {
            TuneSettings s = new TuneSettings();
            s.Window = shape.Window;
            s.SequenceLength = shape.SequenceLength;
            s.Optimizer = shape.Optimizer;
            s.Steps = shape.Steps;
            s.RehearsalSequences = shape.SampledSequences;
            s.BaseSequences = 0;
            s.RehearsalDistill = shape.Distill;
            return s;
        }

        /// <summary>What the memory planner needs to reserve for a session with these settings.</summary>
        public TuningShape Shape(ModelConfig c, int textTokens)
        {
            TuningShape s = new TuningShape();
            s.Window = Window;
            s.SequenceLength = SequenceLengthFor(c);
            s.Optimizer = Optimizer;
            s.Steps = Steps;
            s.TextTokens = textTokens;
            s.SampledSequences = RehearsalSequences + BaseSequences;
            s.Distill = RehearsalDistill;
            return s;
        }
    }
}
