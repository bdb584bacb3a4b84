using EdgeTiny.Runtime.Memory;

namespace EdgeTiny.Runtime.Training
{
    /// <summary>
    /// A low-rank adapter on a frozen projection: y += s · B (A x), A (rank × in), B (out × rank), s = alpha / rank.
    /// B starts at zero so a fresh adapter changes nothing; A starts small and random (seeded). A trainable adapter
    /// accumulates gradients in GradA / GradB until the optimizer steps; one loaded for inference has none (null).
    /// </summary>
    public sealed class LoraAdapter
    {
        public readonly int In;
        public readonly int Out;
        public readonly int Rank;
        public readonly float Scale;
        public readonly float[] A;
        public readonly float[] B;
        public readonly float[] GradA;
        public readonly float[] GradB;
        private readonly float[] _t;   // A x
        private readonly float[] _u;   // Bᵀ dy

        public LoraAdapter(int inputs, int outputs, int rank, float alpha, bool trainable, MemoryLedger ledger, string name)
        {
            In = inputs;
            Out = outputs;
            Rank = rank;
            Scale = alpha / rank;
            A = ledger.Floats(name + ".A", rank * inputs);
            B = ledger.Floats(name + ".B", outputs * rank);
            if (trainable)
            {
                GradA = ledger.Floats(name + ".dA", rank * inputs);
                GradB = ledger.Floats(name + ".dB", outputs * rank);
            }
            _t = ledger.Floats(name + ".t", rank);
            _u = ledger.Floats(name + ".u", rank);
        }

        /// <summary>A ~ U(-1/sqrt(in), 1/sqrt(in)) from a seeded xorshift; B = 0.</summary>
        public void Initialize(ref ulong seed)
        {
            float bound = 1f / (float)System.Math.Sqrt(In);
            for (int i = 0; i < A.Length; i++)
            {
                seed ^= seed >> 12;
                seed ^= seed << 25;
                seed ^= seed >> 27;
                uint r = (uint)((seed * 0x2545F4914F6CDD1DUL) >> 40); // 24 bits
                A[i] = (r / 16777216f * 2f - 1f) * bound;
            }
            System.Array.Clear(B, 0, B.Length);
        }

        /// <summary>y[yOff..] += s · B (A x[xOff..]).</summary>
        public void Forward(float[] x, int xOff, float[] y, int yOff)
        {
            for (int r = 0; r < Rank; r++)
            {
                float sum = 0f;
                int a = r * In;
                for (int i = 0; i < In; i++) sum += A[a + i] * x[xOff + i];
                _t[r] = sum;
            }
            for (int o = 0; o < Out; o++)
            {
                float sum = 0f;
                int b = o * Rank;
                for (int r = 0; r < Rank; r++) sum += B[b + r] * _t[r];
                y[yOff + o] += Scale * sum;
            }
        }

        /// <summary>
        /// Given the forward input x and the output gradient dy: accumulates GradA, GradB, and adds the adapter's share
        /// of the input gradient into dx (the frozen weight's share is added by the caller).
        /// </summary>
        public void Backward(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff)
        {
            for (int r = 0; r < Rank; r++)
            {
                float t = 0f;
                int a = r * In;
                for (int i = 0; i < In; i++) t += A[a + i] * x[xOff + i];
                _t[r] = t;
                float u = 0f;
                for (int o = 0; o < Out; o++) u += B[o * Rank + r] * dy[dyOff + o];
                _u[r] = u;
            }
            for (int o = 0; o < Out; o++)
            {
                float g = Scale * dy[dyOff + o];
                int b = o * Rank;
                for (int r = 0; r < Rank; r++) GradB[b + r] += g * _t[r];
            }
            for (int r = 0; r < Rank; r++)
            {
                float g = Scale * _u[r];
                int a = r * In;
                for (int i = 0; i < In; i++)
                {
                    GradA[a + i] += g * x[xOff + i];
                    dx[dxOff + i] += g * A[a + i];
                }
            }
        }

        public void ZeroGrad()
        {
            System.Array.Clear(GradA, 0, GradA.Length);
            System.Array.Clear(GradB, 0, GradB.Length);
        }
    }
}
