using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Runtime.Diagnostics
{
    /// <summary>Where the self-test writes its lines: Debug.WriteLine on a board, the console on the desktop.</summary>
    public interface ISelfTestOutput
    {
        void WriteLine(string line);
    }

    /// <summary>
    /// Recomputes the model file's self-check section (<see cref="SelfCheck"/>) with the kernels it is given and reports,
    /// per check (one per stored prompt), pass or fail, then a closing line exactly "N passed, N failed".
    ///
    /// A check feeds its prompt, then at each of its generated positions compares the greedy token (first largest logit)
    /// with the stored one — exactly — and the logits of the stored top-k token ids with the stored values, within
    /// <see cref="Tolerance"/>. The stored token is then fed back (not the recomputed one), so every position is
    /// compared on the same input as when the converter computed it.
    ///
    /// The forward pass uses its own float KV cache of just the positions the checks need, whatever the memory plan
    /// chose for serving (an int8 KV cache would change the logits by more than the tolerance). Buffers are allocated
    /// once, in the constructor; <see cref="Run"/> allocates only its report lines.
    /// </summary>
    public sealed class SelfTest
    {
        /// <summary>
        /// A logit passes when |recomputed − stored| ≤ Tolerance × max(1, |stored|): 1e-3 relative (absolute below 1).
        /// The converter computed the values with <see cref="PortableKernels"/>; SIMD and native kernels add the same
        /// products in another order (several partial sums, fused multiply-add), which moves float32 logits by about
        /// 1e-6 relative on these models — far inside 1e-3 — while a flipped weight byte moves them by much more.
        /// </summary>
        public const float Tolerance = 1e-3f;

        private readonly EtbModel _model;
        private readonly SelfCheck _check;
        private readonly Transformer _transformer;
        private readonly bool[] _passed;
        private readonly string[] _details;
        private readonly float[] _maxError;
        private readonly int[] _matched;
        private int _passedCount;
        private int _failedCount;

        /// <summary>Reads the model's self-check section and, when it has one, sizes a forward pass for it.</summary>
        /// <exception cref="ModelFormatException">The section is of an unknown version or malformed.</exception>
        public SelfTest(EtbModel model, IKernels kernels)
        {
            _model = model;
            _check = Read(model);
            if (_check == null) return;
            int context = 0;
            for (int p = 0; p < _check.Count; p++)
            {
                int need = _check.Prompts[p].Length + _check.Tokens[p].Length - 1;
                if (need > context) context = need;
            }
            if (context > model.Config.SeqLen)
                throw new ModelFormatException("self-check section: a check needs " + context.ToString() + " positions, the model's context is "
                    + model.Config.SeqLen.ToString());
            _transformer = model.CreateTransformer(kernels, context);
            _passed = new bool[_check.Count];
            _details = new string[_check.Count];
            _maxError = new float[_check.Count];
            _matched = new int[_check.Count];
        }

        /// <summary>The model's self-check section, or null for a file without one.</summary>
        public static SelfCheck Read(EtbModel model)
        {
            SectionEntry e = model.Reader.Find(TensorNames.SelfCheck);
            if (e == null) return null;
            return SelfCheck.Parse(model.Reader.ReadSection(e), model.Config.VocabSize);
        }

        /// <summary>Whether the file has a self-check section (without one, <see cref="Run"/> reports nothing to check).</summary>
        public bool HasChecks { get { return _check != null; } }
        public SelfCheck Check { get { return _check; } }
        public int CheckCount { get { return _check == null ? 0 : _check.Count; } }
        public int Passed { get { return _passedCount; } }
        public int Failed { get { return _failedCount; } }
        public bool CheckPassed(int i) { return _passed[i]; }
        /// <summary>What the check found, as in its report line (without the "check i/n pass|FAIL: " prefix).</summary>
        public string CheckDetail(int i) { return _details[i]; }
        /// <summary>Largest |recomputed − stored| over the check's compared logits.</summary>
        public float CheckMaxError(int i) { return _maxError[i]; }
        /// <summary>Generated positions whose greedy token matched the stored one.</summary>
        public int CheckTokensMatched(int i) { return _matched[i]; }

        /// <summary>Runs every check, writes one line per check and the closing "N passed, N failed"; returns the failed count.</summary>
        public int Run(ISelfTestOutput output)
        {
            _passedCount = 0;
            _failedCount = 0;
            if (_check == null)
            {
                output.WriteLine("self-test: this model has no self-check section: nothing to check");
                output.WriteLine("0 passed, 0 failed");
                return 0;
            }
            output.WriteLine("self-test: " + _check.Count.ToString() + " checks, " + _check.NewTokens.ToString() + " greedy tokens each, top-"
                + _check.TopK.ToString() + " logits within 1e-3 relative");
            for (int p = 0; p < _check.Count; p++)
            {
                RunCheck(p);
                if (_passed[p]) _passedCount++;
                else _failedCount++;
                output.WriteLine("check " + (p + 1).ToString() + "/" + _check.Count.ToString() + (_passed[p] ? " pass: " : " FAIL: ") + _details[p]);
            }
            output.WriteLine(_passedCount.ToString() + " passed, " + _failedCount.ToString() + " failed");
            return _failedCount;
        }

        private void RunCheck(int p)
        {
            int[] prompt = _check.Prompts[p];
            int[] expected = _check.Tokens[p];
            int[] ids = _check.TopIds[p];
            float[] values = _check.TopLogits[p];
            int k = _check.TopK;
            int vocab = _model.Config.VocabSize;
            int pos = 0;
            for (; pos < prompt.Length - 1; pos++) _transformer.Forward(prompt[pos], pos);
            int token = prompt[prompt.Length - 1];
            int tokenMismatches = 0, firstToken = -1, gotToken = -1;
            int logitMismatches = 0, firstLogit = -1;
            float maxError = 0f;
            for (int i = 0; i < expected.Length; i++, pos++)
            {
                float[] logits = _transformer.Forward(token, pos);
                int got = Sampler.ArgMax(logits, vocab);
                if (got != expected[i])
                {
                    if (tokenMismatches == 0)
                    {
                        firstToken = i;
                        gotToken = got;
                    }
                    tokenMismatches++;
                }
                bool logitsOk = true;
                for (int j = 0; j < k; j++)
                {
                    float want = values[i * k + j];
                    float error = logits[ids[i * k + j]] - want;
                    if (error < 0f) error = -error;
                    if (!(error <= maxError)) maxError = error; // NaN counts as the largest error
                    float scale = want < 0f ? -want : want;
                    if (scale < 1f) scale = 1f;
                    if (!(error <= Tolerance * scale)) logitsOk = false;
                }
                if (!logitsOk)
                {
                    if (logitMismatches == 0) firstLogit = i;
                    logitMismatches++;
                }
                token = expected[i];
            }
            _maxError[p] = maxError;
            _matched[p] = expected.Length - tokenMismatches;
            _passed[p] = tokenMismatches == 0 && logitMismatches == 0;
            string detail = prompt.Length.ToString() + " prompt tokens, " + (expected.Length - tokenMismatches).ToString() + "/"
                + expected.Length.ToString() + " tokens match, max logit error " + maxError.ToString();
            if (tokenMismatches > 0)
                detail += "; token " + (firstToken + 1).ToString() + " is " + gotToken.ToString() + ", expected " + expected[firstToken].ToString();
            if (logitMismatches > 0)
                detail += "; logits off at " + logitMismatches.ToString() + " positions, first at token " + (firstLogit + 1).ToString();
            _details[p] = detail;
        }

        /// <summary>
        /// Computes a self-check for <paramref name="prompts"/> (each BOS first) on <paramref name="model"/> with
        /// <paramref name="kernels"/>: <paramref name="newTokens"/> greedy tokens per prompt (fewer if the context ends;
        /// EOS/BOS do not stop it) and the <paramref name="topK"/> largest logits at each. The converter calls this with
        /// <see cref="PortableKernels"/> on the file it wrote.
        /// </summary>
        public static SelfCheck Compute(EtbModel model, IKernels kernels, int[][] prompts, int newTokens, int topK)
        {
            ModelConfig c = model.Config;
            if (prompts.Length < 1 || prompts.Length > SelfCheck.MaxPrompts) throw new System.ArgumentException("1.." + SelfCheck.MaxPrompts.ToString() + " prompts", "prompts");
            if (newTokens < 1 || newTokens > SelfCheck.MaxNewTokens) throw new System.ArgumentOutOfRangeException("newTokens");
            if (topK < 1 || topK > SelfCheck.MaxTopK || topK > c.VocabSize) throw new System.ArgumentOutOfRangeException("topK");
            int context = 0;
            for (int p = 0; p < prompts.Length; p++)
            {
                if (prompts[p].Length < 1 || prompts[p].Length > SelfCheck.MaxPromptTokens || prompts[p].Length >= c.SeqLen)
                    throw new System.ArgumentException("prompt " + p.ToString() + " has " + prompts[p].Length.ToString() + " tokens", "prompts");
                int need = prompts[p].Length + newTokens - 1;
                if (need > c.SeqLen) need = c.SeqLen;
                if (need > context) context = need;
            }
            Transformer t = model.CreateTransformer(kernels, context);
            SelfCheck s = new SelfCheck();
            s.VocabSize = c.VocabSize;
            s.NewTokens = newTokens;
            s.TopK = topK;
            s.Prompts = new int[prompts.Length][];
            s.Tokens = new int[prompts.Length][];
            s.TopIds = new int[prompts.Length][];
            s.TopLogits = new float[prompts.Length][];
            for (int p = 0; p < prompts.Length; p++)
            {
                int[] prompt = prompts[p];
                int gen = newTokens;
                if (prompt.Length - 1 + gen > c.SeqLen) gen = c.SeqLen - prompt.Length + 1;
                s.Prompts[p] = new int[prompt.Length];
                System.Array.Copy(prompt, s.Prompts[p], prompt.Length);
                s.Tokens[p] = new int[gen];
                s.TopIds[p] = new int[gen * topK];
                s.TopLogits[p] = new float[gen * topK];
                int pos = 0;
                for (; pos < prompt.Length - 1; pos++) t.Forward(prompt[pos], pos);
                int token = prompt[prompt.Length - 1];
                for (int i = 0; i < gen; i++, pos++)
                {
                    float[] logits = t.Forward(token, pos);
                    token = Sampler.ArgMax(logits, c.VocabSize);
                    s.Tokens[p][i] = token;
                    TopK(logits, c.VocabSize, topK, s.TopIds[p], s.TopLogits[p], i * topK);
                }
            }
            return s;
        }

        /// <summary>The k largest values (first index wins a tie), largest first, written at <paramref name="at"/>.</summary>
        private static void TopK(float[] v, int n, int k, int[] ids, float[] values, int at)
        {
            for (int j = 0; j < k; j++)
            {
                int best = -1;
                for (int i = 0; i < n; i++)
                {
                    bool taken = false;
                    for (int q = 0; q < j; q++) if (ids[at + q] == i) taken = true;
                    if (taken) continue;
                    if (best < 0 || v[i] > v[best]) best = i;
                }
                ids[at + j] = best;
                values[at + j] = v[best];
            }
        }
    }
}
