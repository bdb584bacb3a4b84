using EdgeTiny.Runtime.Kernels;

namespace EdgeTiny.Runtime.Text
{
    /// <summary>
    /// Picks the next token from logits as llama2.c's sampler does: greedy at temperature 0; otherwise softmax of
    /// logits / temperature, then nucleus (top-p) sampling, or plain multinomial when top-p is outside (0, 1).
    /// Random numbers come from llama2.c's xorshift64* generator, so a seed reproduces a run.
    /// Buffers are allocated once; sampling allocates nothing.
    /// </summary>
    public sealed class Sampler
    {
        private readonly int _vocab;
        private float _temperature;
        private float _topP;
        private readonly IKernels _kernels;
        private readonly float[] _probs;     // candidate probabilities (top-p)
        private readonly int[] _index;       // candidate token ids (top-p)
        private ulong _state;

        public Sampler(int vocabSize, float temperature, float topP, ulong seed, IKernels kernels, Memory.MemoryLedger ledger)
        {
            if (temperature < 0f) throw new System.ArgumentOutOfRangeException("temperature", "temperature must be >= 0");
            _vocab = vocabSize;
            _temperature = temperature;
            _topP = topP;
            _kernels = kernels;
            // Only nucleus sampling sorts candidates; greedy and plain sampling need no buffers.
            int buffer = NeedsBuffers(temperature, topP) ? vocabSize : 0;
            _probs = ledger.Floats("sampler.probs", buffer);
            _index = ledger.Ints("sampler.index", buffer);
            _state = seed == 0 ? 1UL : seed; // xorshift has a fixed point at 0
        }

        public float Temperature { get { return _temperature; } }

        /// <summary>
        /// New settings and seed on the same buffers (no allocation). Nucleus sampling needs the buffers, so a sampler
        /// built without them (greedy or plain) cannot be switched to it.
        /// </summary>
        public void Reset(float temperature, float topP, ulong seed)
        {
            if (temperature < 0f) throw new System.ArgumentOutOfRangeException("temperature", "temperature must be >= 0");
            if (NeedsBuffers(temperature, topP) && _probs.Length < _vocab)
                throw new System.InvalidOperationException("this sampler was built without nucleus-sampling buffers");
            _temperature = temperature;
            _topP = topP;
            _state = seed == 0 ? 1UL : seed;
        }

        /// <summary>Whether these settings use nucleus sampling, which needs two vocabulary-sized buffers.</summary>
        public static bool NeedsBuffers(float temperature, float topP)
        {
            return temperature > 0f && topP > 0f && topP < 1f;
        }

        /// <summary>Samples a token; scales logits in place when temperature &gt; 0.</summary>
        public int Sample(float[] logits)
        {
            if (_temperature == 0f) return ArgMax(logits, _vocab);
            for (int i = 0; i < _vocab; i++) logits[i] /= _temperature;
            _kernels.Softmax(logits, 0, _vocab);
            float coin = RandomF32();
            if (_topP <= 0f || _topP >= 1f) return SampleMultinomial(logits, coin);
            return SampleTopP(logits, coin);
        }

        /// <summary>Index of the first largest value.</summary>
        public static int ArgMax(float[] v, int n)
        {
            int best = 0;
            float max = v[0];
            for (int i = 1; i < n; i++)
            {
                if (v[i] > max)
                {
                    max = v[i];
                    best = i;
                }
            }
            return best;
        }

        private int SampleMultinomial(float[] probs, float coin)
        {
            float cdf = 0f;
            for (int i = 0; i < _vocab; i++)
            {
                cdf += probs[i];
                if (coin < cdf) return i;
            }
            return _vocab - 1; // rounding
        }

        private int SampleTopP(float[] probs, float coin)
        {
            // Tokens below this probability can never be in the nucleus; dropping them keeps the sort short.
            float cutoff = (1f - _topP) / (_vocab - 1);
            int n = 0;
            for (int i = 0; i < _vocab; i++)
            {
                if (probs[i] >= cutoff)
                {
                    _index[n] = i;
                    _probs[n] = probs[i];
                    n++;
                }
            }
            SortDescending(_probs, _index, n);

            float cumulative = 0f;
            int last = n - 1;
            for (int i = 0; i < n; i++)
            {
                cumulative += _probs[i];
                if (cumulative > _topP)
                {
                    last = i;
                    break;
                }
            }
            float r = coin * cumulative;
            float cdf = 0f;
            for (int i = 0; i <= last; i++)
            {
                cdf += _probs[i];
                if (r < cdf) return _index[i];
            }
            return _index[last];
        }

        /// <summary>Shell sort by probability, largest first (no Array.Sort on nanoFramework).</summary>
        private static void SortDescending(float[] p, int[] idx, int n)
        {
            for (int gap = n / 2; gap > 0; gap /= 2)
            {
                for (int i = gap; i < n; i++)
                {
                    float pv = p[i];
                    int iv = idx[i];
                    int j = i;
                    while (j >= gap && p[j - gap] < pv)
                    {
                        p[j] = p[j - gap];
                        idx[j] = idx[j - gap];
                        j -= gap;
                    }
                    p[j] = pv;
                    idx[j] = iv;
                }
            }
        }

        private uint RandomU32()
        {
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            return (uint)((_state * 0x2545F4914F6CDD1DUL) >> 32);
        }

        private float RandomF32()
        {
            return (RandomU32() >> 8) / 16777216f;
        }
    }
}
