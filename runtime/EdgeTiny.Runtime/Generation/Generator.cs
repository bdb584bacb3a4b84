using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Runtime.Generation
{
    /// <summary>
    /// Autoregressive generation: feeds the prompt through the transformer, then samples one new token per call to
    /// <see cref="Next"/>. Stops at EOS or BOS (the model's, <see cref="ModelConfig.BosToken"/>) (the sampled EOS/BOS is not returned), after the requested number of
    /// new tokens, or when the context is full. Allocates nothing after <see cref="Start"/>.
    /// </summary>
    public sealed class Generator
    {
        private readonly Transformer _model;
        private readonly Sampler _sampler;
        private readonly ForwardHooks _hooks;
        private int[] _prompt;
        private int _promptCount;
        private int _pos;          // position of the next token to feed
        private int _token;        // the next token to feed
        private int _generated;
        private int _maxNew;
        private bool _done;

        public Generator(Transformer model, Sampler sampler) : this(model, sampler, null)
        {
        }

        /// <param name="hooks">Given to every forward pass (adapters to apply, a phase observer); null = the plain model.</param>
        public Generator(Transformer model, Sampler sampler, ForwardHooks hooks)
        {
            _model = model;
            _sampler = sampler;
            _hooks = hooks != null ? hooks : ForwardHooks.None;
        }

        /// <summary>Tokens generated since <see cref="Start"/>.</summary>
        public int Generated { get { return _generated; } }

        /// <summary>Next position to be fed (prompt tokens included).</summary>
        public int Position { get { return _pos; } }

        /// <summary>Begins a new sequence. <paramref name="prompt"/>[0] should be BOS; the array is read, not copied.</summary>
        public void Start(int[] prompt, int count, int maxNewTokens)
        {
            if (count <= 0) throw new System.ArgumentException("the prompt needs at least one token (BOS)", "count");
            if (count > _model.ContextLength)
                throw new System.ArgumentException("the prompt has " + count.ToString() + " tokens; the context holds "
                    + _model.ContextLength.ToString(), "count");
            _prompt = prompt;
            _promptCount = count;
            _pos = 0;
            _token = prompt[0];
            _generated = 0;
            _maxNew = maxNewTokens;
            _done = maxNewTokens <= 0;
        }

        /// <summary>The next generated token, or -1 when generation has ended.</summary>
        public int Next()
        {
            if (_done) return -1;
            // Prompt positions before the last only fill the KV cache.
            while (_pos < _promptCount - 1)
            {
                _model.Forward(_token, _pos, _hooks);
                _pos++;
                _token = _prompt[_pos];
            }
            if (_pos >= _model.ContextLength)
            {
                _done = true;
                return -1;
            }
            float[] logits = _model.Forward(_token, _pos, _hooks);
            _pos++;
            int next = _sampler.Sample(logits);
            if (next == _model.Config.BosToken || next == _model.Config.EosToken)
            {
                _done = true;
                return -1;
            }
            _generated++;
            if (_generated >= _maxNew) _done = true;
            _token = next;
            return next;
        }
    }
}
