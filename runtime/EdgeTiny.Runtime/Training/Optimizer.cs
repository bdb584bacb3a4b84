using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;

namespace EdgeTiny.Runtime.Training
{
    /// <summary>
    /// Updates parameter arrays from their accumulated gradients: plain SGD (no state, the MCU-friendly choice of
    /// tiny-training) or Adam (two moment vectors per parameter), with optional decoupled weight decay (AdamW) on the
    /// arrays marked for it. Gradients are first clipped to a global L2 norm. Used for the device's adapters and, on the
    /// desktop, for training a whole model. The Adam update runs on the kernels the caller gives <see cref="Step"/>
    /// (<see cref="IKernels.AdamStep"/>, native on a board); the norm and SGD loops are one pass of a few operations per
    /// parameter and stay here.
    /// </summary>
    public sealed class Optimizer
    {

        private readonly float[][] _params;
        private readonly float[][] _grads;
        private readonly bool[] _decay;
        private readonly OptimizerKind _kind;
        private readonly float _clip;
        private readonly float[][] _m;   // Adam first moments, one per parameter array
        private readonly float[][] _v;   // Adam second moments
        private int _step;
        private const float Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f;

        /// <summary>Step size; may be changed between steps (a schedule).</summary>
        public float LearningRate;
        /// <summary>Decoupled weight decay per step (p -= lr · decay · p) on arrays marked for it; 0 = none.</summary>
        public float WeightDecay;

        public Optimizer(AdapterSet set, OptimizerKind kind, float learningRate, float clipNorm, MemoryLedger ledger)
            : this(set.ParameterArrays(), set.GradientArrays(), null, kind, learningRate, clipNorm, ledger, set.ParameterLengths())
        {
        }

        /// <param name="decay">Per array: whether weight decay applies (null = none does).</param>
        public Optimizer(float[][] parameters, float[][] gradients, bool[] decay, OptimizerKind kind, float learningRate, float clipNorm, MemoryLedger ledger)
            : this(parameters, gradients, decay, kind, learningRate, clipNorm, ledger, null)
        {
        }

        /// <param name="lengths">Length of each parameter array; null = their own lengths (a measuring ledger's arrays are empty).</param>
        private Optimizer(float[][] parameters, float[][] gradients, bool[] decay, OptimizerKind kind, float learningRate, float clipNorm, MemoryLedger ledger,
            int[] lengths)
        {
            if (parameters.Length != gradients.Length) throw new System.ArgumentException("one gradient array per parameter array", "gradients");
            _params = parameters;
            _grads = gradients;
            _decay = decay;
            _kind = kind;
            LearningRate = learningRate;
            _clip = clipNorm;
            int n = kind == OptimizerKind.Adam ? parameters.Length : 0;
            _m = new float[n][];
            _v = new float[n][];
            for (int i = 0; i < n; i++)
            {
                int length = lengths != null ? lengths[i] : parameters[i].Length;
                _m[i] = ledger.Floats("adam.m", length);
                _v[i] = ledger.Floats("adam.v", length);
            }
        }

        /// <summary>Global L2 norm of the gradients (before clipping) of the last step.</summary>
        public float LastGradientNorm;

        /// <summary>Steps taken so far.</summary>
        public int Steps { get { return _step; } }

        /// <summary>One update of every parameter array; the Adam update on <paramref name="k"/>.</summary>
        public void Step(IKernels k)
        {
            float ss = 0f;
            for (int i = 0; i < _grads.Length; i++)
            {
                float[] g = _grads[i];
                for (int j = 0; j < g.Length; j++) ss += g[j] * g[j];
            }
            float norm = (float)System.Math.Sqrt(ss);
            LastGradientNorm = norm;
            float scale = _clip > 0f && norm > _clip ? _clip / norm : 1f;
            _step++;
            float c1 = 1f - (float)System.Math.Pow(Beta1, _step);
            float c2 = 1f - (float)System.Math.Pow(Beta2, _step);
            for (int i = 0; i < _params.Length; i++)
            {
                if (_decay != null && _decay[i] && WeightDecay > 0f)
                {
                    float keep = 1f - LearningRate * WeightDecay;
                    float[] p = _params[i];
                    for (int j = 0; j < p.Length; j++) p[j] *= keep;
                }
                Update(k, _params[i], _grads[i], scale, i, c1, c2);
            }
        }

        private void Update(IKernels k, float[] p, float[] g, float scale, int slot, float c1, float c2)
        {
            float lr = LearningRate;
            if (_kind == OptimizerKind.Sgd)
            {
                for (int j = 0; j < p.Length; j++) p[j] -= lr * g[j] * scale;
                return;
            }
            k.AdamStep(g, _m[slot], _v[slot], p, p.Length, scale, lr, Beta1, Beta2, c1, c2, Epsilon);
        }
    }

    /// <summary>Which update rule an <see cref="Optimizer"/> applies.</summary>
    public enum OptimizerKind
    {
        /// <summary>p -= lr · g: no state, the MCU-friendly choice of tiny-training.</summary>
        Sgd,
        /// <summary>Adam (two moment vectors per parameter), AdamW with weight decay.</summary>
        Adam,
    }
}
