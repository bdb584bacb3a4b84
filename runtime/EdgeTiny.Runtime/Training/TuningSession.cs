using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Runtime.Training
{
    /// <summary>
    /// The tuning loop as a board runs it — and as `edgetiny tune` runs it on the desktop, so both produce the same
    /// adapters from the same inputs. The user's text (tokens, BOS first) is cut into sequences of the settings' length;
    /// a held-out part measures what was learned; before the first step the base model samples its own sequences for
    /// rehearsal (interleaved with the user's text so the adapters do not forget) and for measuring base-domain loss.
    /// Each <see cref="Step"/> is one adaptation step plus its rehearsal steps, with the adaptive schedule moving the
    /// window shallow → deep. Every buffer comes from the ledger at construction (the memory plan reserves them through
    /// <see cref="TuneSettings.Shape"/>); preparing and stepping allocate nothing.
    /// </summary>
    public sealed class TuningSession
    {
        /// <summary>Most training sequences a session cuts from the user's text.</summary>
        public const int MaxSequences = 10000;

        private readonly Transformer _t;
        private readonly TuneSettings _s;
        private readonly AdapterTuner _tuner;
        private readonly ForwardHooks _applied;   // the adapters on their top window: what inference uses
        private readonly int _seqLen;
        private readonly int[] _text;             // the user's tokens: train (BOS first), then held-out (BOS first)
        private readonly int[] _start, _length;   // per sequence: where its body starts in _text, its length without BOS
        private readonly long[] _key;             // per train sequence: its seeded sort key
        private readonly int[] _order;            // train sequences in seeded order
        private readonly int[] _sampled;          // (rehearsal + base sequences, seq_len), sampled by the base model
        private readonly int[] _seq;              // (seq_len) the sequence being trained or measured
        private readonly float[] _losses;         // (steps) loss of each adaptation step
        private readonly float[] _dlogits;        // (vocab) scratch for measuring loss
        private readonly float[] _baseProbs;      // (seq_len − 1, vocab) the base model's distributions: distillation targets
        private readonly Sampler _sampler;
        private readonly Generator _generator;
        private int _train, _heldOut, _step;

        /// <param name="adapters">Trainable adapters on the settings' layers: freshly initialised, or loaded to resume.</param>
        /// <param name="textTokens">Most tokens of user text (train and held-out together) this session will hold.</param>
        public TuningSession(Transformer model, LlamaWeights weights, AdapterSet adapters, TuneSettings settings, int textTokens,
            MemoryLedger ledger)
        {
            ModelConfig c = model.Config;
            _t = model;
            _s = settings;
            _seqLen = settings.SequenceLengthFor(c);
            int maxSequences = MaxSequencesFor(textTokens, _seqLen);
            _text = ledger.Ints("tune.text", textTokens);
            _start = ledger.Ints("tune.seq_start", maxSequences);
            _length = ledger.Ints("tune.seq_length", maxSequences);
            _key = ledger.Longs("tune.seq_key", maxSequences);
            _order = ledger.Ints("tune.seq_order", maxSequences);
            _sampled = ledger.Ints("tune.sampled", (settings.RehearsalSequences + settings.BaseSequences) * _seqLen);
            _seq = ledger.Ints("tune.seq", _seqLen);
            _losses = ledger.Floats("tune.losses", settings.Steps);
            _dlogits = ledger.Floats("tune.dlogits", c.VocabSize);
            _baseProbs = settings.RehearsalDistill ? ledger.Floats("tune.base_probs", (_seqLen - 1) * c.VocabSize) : null;
            // Plain sampling (temperature 1, no nucleus): no vocabulary-sized buffers.
            _sampler = new Sampler(c.VocabSize, 1f, 1f, settings.Seed, model.Kernels, ledger);
            _tuner = new AdapterTuner(model, weights, adapters, settings.Optimizer, settings.LearningRate, settings.ClipNorm, _seqLen,
                settings.Window, ledger);
            if (ledger.Measuring) return; // the memory planner only wanted the sizes
            _generator = new Generator(model, _sampler);
            _applied = new ForwardHooks(weights, adapters, null, null);
        }

        private static int MaxSequencesFor(int textTokens, int seqLen)
        {
            int n = textTokens / (seqLen - 1) + 2;
            return n < MaxSequences ? n : MaxSequences;
        }

        /// <summary>Where the caller writes the user's tokens before <see cref="Prepare"/>: train (BOS first), then held-out.</summary>
        public int[] Text { get { return _text; } }

        /// <summary>Training sequences and held-out sequences after <see cref="Prepare"/>.</summary>
        public int TrainSequences { get { return _train; } }
        public int HeldOutSequences { get { return _heldOut; } }
        public int StepsDone { get { return _step; } }
        public bool Done { get { return _step >= _s.Steps; } }
        public int SequenceLength { get { return _seqLen; } }
        /// <summary>The adapters on their top window, as inference applies them.</summary>
        public ForwardHooks Applied { get { return _applied; } }

        /// <summary>Tokens of training or held-out sequence <paramref name="index"/>, BOS included.</summary>
        public int SequenceTokens(int index) { return _length[index] + 1; }

        /// <summary>Loss (nats per token) of adaptation step <paramref name="step"/> (0-based), before its update.</summary>
        public float StepLoss(int step) { return _losses[step]; }

        /// <summary>
        /// Cuts Text[0..trainTokens) into training sequences and Text[trainTokens..+heldOutTokens) into held-out ones
        /// (heldOutTokens = 0: the last tenth of the training sequences, at least one, is held out instead), orders the
        /// training sequences by the seed, and has the base model sample its rehearsal and base-domain sequences.
        /// Throws an ArgumentException naming "text" when there is too little text.
        /// </summary>
        public void Prepare(int trainTokens, int heldOutTokens)
        {
            if (trainTokens < 2) throw new System.ArgumentException("the text is empty", "text");
            if (trainTokens + heldOutTokens > _text.Length) throw new System.ArgumentOutOfRangeException("text", "more tokens than the session holds");
            int n = Cut(0, trainTokens, 0);
            if (heldOutTokens > 0)
            {
                if (heldOutTokens < 2) throw new System.ArgumentException("the held-out text is empty", "heldout");
                _train = n;
                _heldOut = Cut(trainTokens, heldOutTokens, n) - n;
            }
            else
            {
                if (n < 2) throw new System.ArgumentException("too short to keep a held-out part: give held-out text", "text");
                int cut = n / 10 > 1 ? n / 10 : 1;
                _train = n - cut;
                _heldOut = cut;
            }
            for (int i = 0; i < _train; i++)
            {
                _order[i] = i;
                _key[i] = (long)Hash(_s.Seed, i);
            }
            SortByKey(_order, _key, _train);
            Sample(_s.RehearsalSequences, 0, _s.Seed + 200);
            Sample(_s.BaseSequences, _s.RehearsalSequences, _s.Seed + 100);
            _step = 0;
        }

        /// <summary>
        /// One adaptation step (and its rehearsal steps): the next training sequence in seeded order, the window where the
        /// schedule puts it. Returns the adaptation step's loss before its update.
        /// </summary>
        public float Step()
        {
            if (Done) throw new System.InvalidOperationException("all " + _s.Steps.ToString() + " steps are done");
            int step = _step;
            if (_s.Adaptive)
            {
                ModelConfig c = _t.Config;
                int phases = (c.Layers + _s.Window - 1) / _s.Window;
                int phase = step * phases / _s.Steps;
                if (phase > phases - 1) phase = phases - 1;
                int top = (phase + 1) * _s.Window - 1;
                if (top > c.Layers - 1 || phase == phases - 1) top = c.Layers - 1;
                int bottom = top - _s.Window + 1;
                _tuner.SetWindow(bottom < 0 ? 0 : bottom, top);
            }
            if (_s.LearningRateDecay) _tuner.Optimizer.LearningRate = _s.LearningRate * (1f - 0.9f * step / _s.Steps);
            int count = Load(_order[step % _train]);
            float loss;
            if (_baseProbs == null)
            {
                // Plain rehearsal: one update on the text, then one on each sampled sequence's own tokens.
                loss = _tuner.Step(_seq, count);
                for (int r = 0; r < _s.RehearsalSteps; r++)
                {
                    System.Array.Copy(_sampled, Replay(step, r) * _seqLen, _seq, 0, _seqLen);
                    _tuner.Step(_seq, _seqLen);
                }
            }
            else
            {
                // Distillation: one update on L(text) + λ · mean KL(base ‖ adapted) over the rehearsal sequences.
                _tuner.ZeroGrad();
                loss = _tuner.Accumulate(_seq, count, null, 1f);
                for (int r = 0; r < _s.RehearsalSteps; r++)
                {
                    System.Array.Copy(_sampled, Replay(step, r) * _seqLen, _seq, 0, _seqLen);
                    BaseDistributions(_seqLen);
                    _tuner.Accumulate(_seq, _seqLen, _baseProbs, _s.RehearsalWeight / _s.RehearsalSteps);
                }
                _tuner.Update();
            }
            _losses[step] = loss;
            _step++;
            return loss;
        }

        /// <summary>The sampled sequence rehearsed as rehearsal step <paramref name="r"/> of <paramref name="step"/>: each in turn.</summary>
        private int Replay(int step, int r)
        {
            return (step * _s.RehearsalSteps + r) % _s.RehearsalSequences;
        }

        /// <summary>Mean next-token loss over the held-out sequences, with the adapters (on their top window) or without.</summary>
        public float HeldOutLoss(bool adapted)
        {
            float sum = 0f;
            int n = 0;
            for (int i = 0; i < _heldOut; i++)
            {
                int count = Load(_train + i);
                sum += SequenceLoss(count, adapted) * (count - 1);
                n += count - 1;
            }
            return n == 0 ? 0f : sum / n;
        }

        /// <summary>Mean next-token loss over the base model's own samples (what tuning should not forget).</summary>
        public float BaseLoss(bool adapted)
        {
            float sum = 0f;
            for (int i = 0; i < _s.BaseSequences; i++)
            {
                System.Array.Copy(_sampled, (_s.RehearsalSequences + i) * _seqLen, _seq, 0, _seqLen);
                sum += SequenceLoss(_seqLen, adapted);
            }
            return _s.BaseSequences == 0 ? 0f : sum / _s.BaseSequences;
        }

        /// <summary>
        /// Copies training or held-out sequence <paramref name="index"/> (0.._train for train, then held-out) into a new
        /// array (BOS first) — for desktop reports; the board never calls it.
        /// </summary>
        public int[] SequenceCopy(int index)
        {
            int count = Load(index);
            int[] copy = new int[count];
            System.Array.Copy(_seq, copy, count);
            return copy;
        }

        /// <summary>Copies base-domain sample <paramref name="index"/> into a new array — for desktop reports.</summary>
        public int[] BaseSampleCopy(int index)
        {
            int[] copy = new int[_seqLen];
            System.Array.Copy(_sampled, (_s.RehearsalSequences + index) * _seqLen, copy, 0, _seqLen);
            return copy;
        }

        /// <summary>The base model's next-token distributions over _seq[0..count) into _baseProbs (adapters off).</summary>
        private void BaseDistributions(int count)
        {
            int vocab = _t.Config.VocabSize;
            for (int pos = 0; pos < count - 1; pos++)
            {
                System.Array.Copy(_t.Forward(_seq[pos], pos, ForwardHooks.None), 0, _baseProbs, pos * vocab, vocab);
                _t.Kernels.Softmax(_baseProbs, pos * vocab, vocab);
            }
        }

        private float SequenceLoss(int count, bool adapted)
        {
            ForwardHooks hooks = adapted ? _applied : ForwardHooks.None;
            float loss = 0f;
            for (int pos = 0; pos < count - 1; pos++)
            {
                float[] logits = _t.Forward(_seq[pos], pos, hooks);
                loss += Backward.CrossEntropy(logits, _t.Config.VocabSize, _seq[pos + 1], _dlogits, 1f);
            }
            return loss / (count - 1);
        }

        /// <summary>Sequence i into _seq (BOS, then its body); returns its token count.</summary>
        private int Load(int i)
        {
            _seq[0] = _t.Config.BosToken;
            System.Array.Copy(_text, _start[i], _seq, 1, _length[i]);
            return _length[i] + 1;
        }

        /// <summary>Sequences of Text[from..from+count) (Text[from] is its BOS) from index <paramref name="first"/> on; returns the new total.</summary>
        private int Cut(int from, int count, int first)
        {
            int body = _seqLen - 1, n = first;
            for (int at = 1; at < count && n < _start.Length; at += body)
            {
                _start[n] = from + at;
                _length[n] = count - at < body ? count - at : body;
                n++;
            }
            return n;
        }

        /// <summary>
        /// <paramref name="count"/> sequences of seq_len tokens sampled by the base model from BOS (temperature 1, fixed
        /// seed) into _sampled from sequence <paramref name="at"/>; a story that ends early is followed by a new one after
        /// BOS, as in a pretokenized training stream.
        /// </summary>
        private void Sample(int count, int at, ulong seed)
        {
            _sampler.Reset(1f, 1f, seed);
            _seq[0] = _t.Config.BosToken;
            for (int s = 0; s < count; s++)
            {
                int o = (at + s) * _seqLen, filled = 1;
                _sampled[o] = _t.Config.BosToken;
                while (filled < _seqLen)
                {
                    _generator.Start(_seq, 1, _seqLen - filled);
                    for (int t = _generator.Next(); t >= 0 && filled < _seqLen; t = _generator.Next()) _sampled[o + filled++] = t;
                    if (filled < _seqLen) _sampled[o + filled++] = _t.Config.BosToken;
                }
            }
        }

        /// <summary>SplitMix-style hash of (seed, i): the seeded order of the training sequences.</summary>
        private static ulong Hash(ulong seed, int i)
        {
            ulong x = seed * 0x9E3779B97F4A7C15UL + (ulong)i;
            x ^= x >> 31;
            x *= 0xBF58476D1CE4E5B9UL;
            x ^= x >> 29;
            return x;
        }

        /// <summary>Heap sort of items[0..n) by unsigned key, ties by item (so the order is the stable one); no allocation.</summary>
        private static void SortByKey(int[] items, long[] keys, int n)
        {
            for (int i = n / 2 - 1; i >= 0; i--) SiftDown(items, keys, i, n);
            for (int end = n - 1; end > 0; end--)
            {
                Swap(items, keys, 0, end);
                SiftDown(items, keys, 0, end);
            }
        }

        private static void SiftDown(int[] items, long[] keys, int root, int n)
        {
            while (true)
            {
                int child = 2 * root + 1;
                if (child >= n) return;
                if (child + 1 < n && Less(items, keys, child, child + 1)) child++;
                if (!Less(items, keys, root, child)) return;
                Swap(items, keys, root, child);
                root = child;
            }
        }

        private static bool Less(int[] items, long[] keys, int a, int b)
        {
            ulong ka = (ulong)keys[a], kb = (ulong)keys[b];
            return ka < kb || (ka == kb && items[a] < items[b]);
        }

        private static void Swap(int[] items, long[] keys, int a, int b)
        {
            int i = items[a];
            items[a] = items[b];
            items[b] = i;
            long k = keys[a];
            keys[a] = keys[b];
            keys[b] = k;
        }
    }
}
