using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Runtime.Training
{
    /// <summary>
    /// Inference with exits at every window top (Edge-LLM): the window tops are layers L-1, L-1-W, L-1-2W, … for window
    /// size W. A backbone pass runs every layer without adapters; an adapted window re-runs its layers with adapters
    /// from the backbone's input to that window (its own KV cache), so each exit sees exactly what it was tuned on:
    /// frozen layers below, adapted layers inside. Exits below the adapted layers are the base model's early exits.
    /// The exits' distributions are combined by the last exit alone, the paper's max-probability vote (P(v) ∝ max_e
    /// P_e(v)), or a confidence-weighted vote (P ∝ Σ_e c_e P_e, c_e = max_v P_e(v)).
    /// </summary>
    public sealed class ExitEnsemble
    {
        private readonly Transformer _backbone;
        private readonly Transformer[] _streams;  // per window: adapted copy, or null when the window has no adapters
        private readonly ForwardHooks[] _hooks;   // per window: its adapters on exactly its layers
        private readonly int[] _bottom, _top;
        private readonly float[] _probs;          // (exits, vocab)
        private readonly float[] _combined;       // (vocab)
        private readonly float[] _input;          // (dim) backbone stream at a window's bottom
        private readonly float[] _confidence;     // (exits) max probability of each exit, for the weighted vote
        private readonly int _vocab;

        public ExitEnsemble(Transformer backbone, LlamaWeights weights, Transformer[] adaptedStreams, AdapterSet adapters, MemoryLedger ledger)
        {
            ModelConfig c = backbone.Config;
            int w = adapters.Window;
            int exits = (c.Layers + w - 1) / w;
            _backbone = backbone;
            _streams = new Transformer[exits];
            _hooks = new ForwardHooks[exits];
            _bottom = new int[exits];
            _top = new int[exits];
            int used = 0;
            for (int e = 0; e < exits; e++)
            {
                // Exit 0 is the lowest window; the last exit is the top of the model.
                int top = c.Layers - 1 - (exits - 1 - e) * w;
                int bottom = top - w + 1 < 0 ? 0 : top - w + 1;
                _top[e] = top;
                _bottom[e] = bottom;
                if (adapters.Has(bottom))
                {
                    _streams[e] = adaptedStreams[used++];
                    _hooks[e] = new ForwardHooks(weights, adapters, null, null);
                    _hooks[e].SetWindow(bottom, top);
                }
            }
            _vocab = c.VocabSize;
            _probs = ledger.Floats("vote.probs", exits * _vocab);
            _combined = ledger.Floats("vote.combined", _vocab);
            _input = ledger.Floats("vote.input", c.Dim);
            _confidence = ledger.Floats("vote.confidence", exits);
        }

        /// <summary>How many adapted streams (extra transformers) these adapters need for voting.</summary>
        public static int StreamsNeeded(ModelConfig c, AdapterSet adapters)
        {
            int w = adapters.Window, exits = (c.Layers + w - 1) / w, n = 0;
            for (int e = 0; e < exits; e++)
            {
                int top = c.Layers - 1 - (exits - 1 - e) * w;
                int bottom = top - w + 1 < 0 ? 0 : top - w + 1;
                if (adapters.Has(bottom)) n++;
            }
            return n;
        }

        public int Exits { get { return _top.Length; } }

        /// <summary>Probabilities of exit <paramref name="e"/> after the last <see cref="Forward"/> (0 = lowest).</summary>
        public float Probability(int e, int token) { return _probs[e * _vocab + token]; }

        /// <summary>Runs one position through every exit and returns the combined distribution (a reused buffer).</summary>
        public float[] Forward(int token, int pos, VoteRule rule)
        {
            _backbone.Embed(token, pos, ForwardHooks.None);
            for (int e = 0; e < _top.Length; e++)
            {
                Transformer stream = _streams[e];
                if (stream != null) System.Array.Copy(_backbone.Hidden, _input, _input.Length);
                _backbone.RunLayers(pos, _bottom[e], _top[e], ForwardHooks.None);
                float[] logits;
                if (stream == null) logits = _backbone.Exit(ForwardHooks.None);
                else
                {
                    stream.SetHidden(_input);
                    stream.RunLayers(pos, _bottom[e], _top[e], _hooks[e]);
                    logits = stream.Exit(_hooks[e]);
                }
                Softmax(logits, _probs, e * _vocab);
            }
            Combine(rule);
            return _combined;
        }

        private void Softmax(float[] logits, float[] dest, int at)
        {
            float max = logits[0];
            for (int i = 1; i < _vocab; i++) if (logits[i] > max) max = logits[i];
            float sum = 0f;
            for (int i = 0; i < _vocab; i++)
            {
                float p = (float)System.Math.Exp(logits[i] - max);
                dest[at + i] = p;
                sum += p;
            }
            for (int i = 0; i < _vocab; i++) dest[at + i] /= sum;
        }

        private void Combine(VoteRule rule)
        {
            int exits = _top.Length, last = (exits - 1) * _vocab;
            // Each exit's confidence once, not once per vocabulary entry.
            if (rule != VoteRule.LastExit && rule != VoteRule.MaxProbability)
                for (int e = 0; e < exits; e++) _confidence[e] = Confidence(e);
            float sum = 0f;
            for (int v = 0; v < _vocab; v++)
            {
                float p;
                if (rule == VoteRule.LastExit) p = _probs[last + v];
                else if (rule == VoteRule.MaxProbability)
                {
                    p = 0f;
                    for (int e = 0; e < exits; e++) if (_probs[e * _vocab + v] > p) p = _probs[e * _vocab + v];
                }
                else
                {
                    p = 0f;
                    for (int e = 0; e < exits; e++) p += _confidence[e] * _probs[e * _vocab + v];
                }
                _combined[v] = p;
                sum += p;
            }
            for (int v = 0; v < _vocab; v++) _combined[v] /= sum;
        }

        private float Confidence(int e)
        {
            float max = 0f;
            for (int v = 0; v < _vocab; v++) if (_probs[e * _vocab + v] > max) max = _probs[e * _vocab + v];
            return max;
        }
    }

    /// <summary>How <see cref="ExitEnsemble"/> combines its exits' distributions.</summary>
    public enum VoteRule
    {
        /// <summary>The last exit alone.</summary>
        LastExit,
        /// <summary>Edge-LLM's vote: P(v) ∝ max_e P_e(v).</summary>
        MaxProbability,
        /// <summary>P ∝ Σ_e c_e P_e with c_e = max_v P_e(v).</summary>
        ConfidenceWeighted,
    }
}
