using EdgeTiny.Runtime.Memory;

namespace EdgeTiny.Runtime.Training
{
    /// <summary>
    /// Updates every adapter from its accumulated gradients: plain SGD (no state, the MCU-friendly choice of
    /// tiny-training) or Adam (two moment vectors per parameter). Gradients are first clipped to a global L2 norm.
    /// </summary>
    public sealed class Optimizer
    {
        public const int Sgd = 0;
        public const int Adam = 1;

        private readonly AdapterSet _set;
        private readonly int _kind;
        private readonly float _lr;
        private readonly float _clip;
        private readonly float[][] _m;   // Adam first moments, per parameter array (A0, B0, A1, B1, ...)
        private readonly float[][] _v;   // Adam second moments
        private int _step;
        private const float Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f;

        public Optimizer(AdapterSet set, int kind, float learningRate, float clipNorm, MemoryLedger ledger)
        {
            _set = set;
            _kind = kind;
            _lr = learningRate;
            _clip = clipNorm;
            int n = kind == Adam ? set.Count * 2 : 0;
            _m = new float[n][];
            _v = new float[n][];
            for (int i = 0; i < n; i++)
            {
                LoraAdapter a = set.At(i / 2);
                int size = i % 2 == 0 ? a.A.Length : a.B.Length;
                _m[i] = ledger.Floats("adam.m", size);
                _v[i] = ledger.Floats("adam.v", size);
            }
        }

        /// <summary>Heap bytes of the optimizer state for this adapter set.</summary>
        public static long Bytes(AdapterSetShape shape, int kind)
        {
            return kind == Adam ? 2 * shape.ParameterArrayBytes : 0;
        }

        /// <summary>Global L2 norm of the gradients (before clipping) of the last step.</summary>
        public float LastGradientNorm;

        public void Step()
        {
            float ss = 0f;
            for (int i = 0; i < _set.Count; i++)
            {
                LoraAdapter a = _set.At(i);
                for (int j = 0; j < a.GradA.Length; j++) ss += a.GradA[j] * a.GradA[j];
                for (int j = 0; j < a.GradB.Length; j++) ss += a.GradB[j] * a.GradB[j];
            }
            float norm = (float)System.Math.Sqrt(ss);
            LastGradientNorm = norm;
            float scale = _clip > 0f && norm > _clip ? _clip / norm : 1f;
            _step++;
            float c1 = 1f - (float)System.Math.Pow(Beta1, _step);
            float c2 = 1f - (float)System.Math.Pow(Beta2, _step);
            for (int i = 0; i < _set.Count; i++)
            {
                LoraAdapter a = _set.At(i);
                Update(a.A, a.GradA, scale, 2 * i, c1, c2);
                Update(a.B, a.GradB, scale, 2 * i + 1, c1, c2);
            }
        }

        private void Update(float[] p, float[] g, float scale, int slot, float c1, float c2)
        {
            if (_kind == Sgd)
            {
                for (int j = 0; j < p.Length; j++) p[j] -= _lr * g[j] * scale;
                return;
            }
            float[] m = _m[slot], v = _v[slot];
            for (int j = 0; j < p.Length; j++)
            {
                float gj = g[j] * scale;
                m[j] = Beta1 * m[j] + (1f - Beta1) * gj;
                v[j] = Beta2 * v[j] + (1f - Beta2) * gj * gj;
                p[j] -= _lr * (m[j] / c1) / ((float)System.Math.Sqrt(v[j] / c2) + Epsilon);
            }
        }
    }

    /// <summary>The sizes of an adapter set, for memory arithmetic before anything is allocated.</summary>
    public sealed class AdapterSetShape
    {
        /// <summary>Σ over A and B arrays of their heap cost (one copy of every parameter array).</summary>
        public long ParameterArrayBytes;
        public long Parameters;

        public static AdapterSetShape Of(Model.ModelConfig c, int layers, int rank)
        {
            AdapterSetShape s = new AdapterSetShape();
            int[] ins = { c.Dim, c.Dim, c.Dim, c.Dim, c.Dim, c.Dim, c.HiddenDim };
            int[] outs = { c.Dim, c.KvDim, c.KvDim, c.Dim, c.HiddenDim, c.HiddenDim, c.Dim };
            for (int p = 0; p < 7; p++)
            {
                s.ParameterArrayBytes += layers * (MemoryLedger.ArrayCost((long)rank * ins[p] * 4) + MemoryLedger.ArrayCost((long)outs[p] * rank * 4));
                s.Parameters += (long)layers * rank * (ins[p] + outs[p]);
            }
            return s;
        }
    }
}
