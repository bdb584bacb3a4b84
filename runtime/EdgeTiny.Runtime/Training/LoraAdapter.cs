using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;

namespace EdgeTiny.Runtime.Training
{
    /// <summary>
    /// A low-rank adapter on a frozen projection: y += s · B (A x), A (rank × in), B (out × rank), s = alpha / rank.
    /// B starts at zero so a fresh adapter changes nothing; A starts small and random (seeded). A trainable adapter
    /// accumulates gradients in GradA / GradB until the optimizer steps; one loaded for inference has none (null).
    /// Every product runs on the kernels the pass gives (so a board's native kernels do them, and a counting wrapper
    /// sees them); what stays here is glue over rank-sized vectors.
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
        private readonly float[] _bt;  // B (A x): at least Out long, shared by the adapters of a set (one runs at a time)

        /// <param name="product">Scratch of at least <paramref name="outputs"/> floats, which adapters of one set share.</param>
        public LoraAdapter(int inputs, int outputs, int rank, float alpha, bool trainable, MemoryLedger ledger, string name, float[] product)
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
            _bt = product;
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
        public void Forward(IKernels k, float[] x, int xOff, float[] y, int yOff)
        {
            k.MatVecF32(A, 0, x, xOff, _t, 0, Rank, In);
            k.MatVecF32(B, 0, _t, 0, _bt, 0, Out, Rank);
            k.Axpy(Scale, _bt, 0, y, yOff, Out);
        }

        /// <summary>
        /// Given the forward input x and the output gradient dy: accumulates GradA, GradB, and adds the adapter's share
        /// of the input gradient into dx (the frozen weight's share is added by the caller).
        /// </summary>
        public void Backward(IKernels k, float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff)
        {
            k.MatVecF32(A, 0, x, xOff, _t, 0, Rank, In);                // t = A x
            System.Array.Clear(_u, 0, Rank);
            k.MatTVecF32(B, 0, dy, dyOff, _u, 0, Out, Rank);            // u = Bᵀ dy
            k.Ger(Scale, dy, dyOff, _t, 0, GradB, 0, Out, Rank, Rank);  // dB += s · dy tᵀ
            k.Ger(Scale, _u, 0, x, xOff, GradA, 0, Rank, In, In);       // dA += s · u xᵀ
            for (int r = 0; r < Rank; r++) _u[r] *= Scale;
            k.MatTVecF32(A, 0, _u, 0, dx, dxOff, Rank, In);             // dx += Aᵀ (s · u)
        }

        public void ZeroGrad()
        {
            System.Array.Clear(GradA, 0, GradA.Length);
            System.Array.Clear(GradB, 0, GradB.Length);
        }
    }
}
