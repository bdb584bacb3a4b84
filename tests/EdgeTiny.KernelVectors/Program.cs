using EdgeTiny.KernelVectors;
using EdgeTiny.Runtime.Format;

// Writes <dir>/kernel-vectors.bin: test vectors for the native C kernels (firmware/native), computed by PortableKernels.
if (args.Length != 1 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: EdgeTiny.KernelVectors <output dir>");
    return 2;
}

var cases = new Cases(seed: 8);
(int Rows, int Cols, int Group)[] shapes =
[
    (1, 1, 1),      // smallest
    (172, 64, 32),  // odd row count
    (64, 172, 32),  // short last group (172 = 5·32 + 12)
    (9, 75, 32),    // odd cols: last group of 11, packed tails mid-byte
    (5, 50, 128),   // one group wider than the row
    (6, 40, 7),     // odd group size: 4-bit groups start mid-byte
    (3, 33, 1),     // one scale per value
];

foreach (var s in shapes)
{
    cases.Dense(Kind.MatVecQ8, 8, s.Rows, s.Cols, s.Group, raw: false);
    cases.Dense(Kind.MatVecQ8, 8, s.Rows, s.Cols, s.Group, raw: true);
    for (int bits = Codec.MinBits; bits <= Codec.MaxBits; bits++)
    {
        cases.Dense(Kind.MatVecQ, bits, s.Rows, s.Cols, s.Group, raw: false);
        cases.Dense(Kind.MatVecQ, bits, s.Rows, s.Cols, s.Group, raw: true);
    }
}
cases.Dense(Kind.MatVecQ8, 8, 4, 0, 32, raw: true); // no columns: rows of zeros
cases.Dense(Kind.MatVecQ, 4, 0, 16, 8, raw: true);  // no rows

(int Rows, int Cols, int Group)[] sparseShapes = [(172, 64, 32), (9, 75, 32), (6, 40, 7), (2, 8, 8)];
foreach (var s in sparseShapes)
    for (int bits = Codec.MinBits; bits <= Codec.MaxBits; bits++)
        foreach (double share in new[] { 0.0, 1.0 / s.Cols, 0.25, 0.5, 0.75, 1.0 })
        {
            int kept = (int)Math.Round(s.Cols * share);
            cases.Sparse(bits, kept, s.Rows, s.Cols, s.Group, raw: false);
            cases.Sparse(bits, kept, s.Rows, s.Cols, s.Group, raw: true);
        }

(int Count, int Dim, int Group)[] ffnShapes = [(12, 64, 32), (9, 48, 32), (5, 7, 4), (1, 172, 64), (20, 16, 5)];
foreach (var s in ffnShapes)
{
    cases.Ffn(Codec.F32, 0, s.Count, s.Dim, s.Group, zeroShare: 0.5);
    for (int bits = Codec.MinBits; bits <= Codec.MaxBits; bits++) cases.Ffn(Codec.Q, bits, s.Count, s.Dim, s.Group, zeroShare: 0.5);
}
cases.Ffn(Codec.Q, 4, 8, 32, 32, zeroShare: 1.0);   // every bundle inactive: output untouched
cases.Ffn(Codec.F32, 0, 8, 32, 0, zeroShare: 1.0);
cases.Ffn(Codec.Q, 3, 16, 24, 16, zeroShare: 0.0);  // every bundle active

// The float, per-vector, attention and transposed kernels (the rest of IKernels).
foreach ((int rows, int cols) in new[] { (1, 1), (172, 64), (64, 172), (9, 75) }) cases.MatVecF32(rows, cols);
foreach (var s in new (int Rows, int Cols, int Group)[] { (172, 64, 32), (9, 75, 32), (6, 40, 7), (3, 33, 1) })
{
    cases.Transposed(Codec.F32, 0, 0, s.Rows, s.Cols, s.Group);
    for (int bits = Codec.MinBits; bits <= Codec.MaxBits; bits++)
    {
        cases.Transposed(Codec.Q, bits, 0, s.Rows, s.Cols, s.Group);
        cases.Transposed(Codec.SparseQ, bits, s.Cols / 2, s.Rows, s.Cols, s.Group);
    }
}
cases.Transposed(Codec.SparseQ, 4, 0, 5, 16, 8);   // nothing kept
cases.Transposed(Codec.Q, 8, 0, 0, 16, 8);         // no rows
foreach (int size in new[] { 1, 7, 64, 172 }) cases.RmsNorm(size, 1e-5f);
cases.RmsNorm(64, 1e-2f);
foreach (int size in new[] { 1, 2, 9, 77, 512 }) cases.Softmax(size, 1f);
cases.Softmax(64, 30f); // large spread: most outputs underflow towards 0
foreach ((int length, int head) in new[] { (64, 8), (32, 8), (6, 6), (4, 8), (0, 8), (48, 16) }) cases.Rope(length, head);
foreach (int n in new[] { 0, 1, 8, 64, 333 }) cases.Vectors(n);
foreach (int n in new[] { 1, 172, 13 }) { cases.GatedActivation(n, 0); cases.GatedActivation(n, 1); }
foreach ((int count, int head, int stride, int scaleStride) in new[] { (1, 8, 32, 4), (77, 8, 32, 4), (5, 16, 16, 1), (12, 4, 9, 3), (0, 8, 32, 4) })
    cases.Attention(count, head, stride, scaleStride);

// Tuning's kernels: the outer-product gradient (LoRA dA, dB) and the Adam update.
foreach ((int rows, int cols, int stride) in new[] { (1, 1, 1), (4, 64, 64), (64, 4, 4), (172, 4, 4), (4, 172, 172), (7, 33, 33), (0, 5, 5), (3, 0, 0),
    (77, 8, 32), (12, 16, 48), (5, 3, 7) }) // the last three: rows of a KV cache (one head of several)
    cases.Ger(rows, cols, stride);
foreach ((int n, int step, float scale) in new[] { (0, 1, 1f), (1, 1, 1f), (7, 2, 0.3f), (64, 1, 1f), (333, 50, 0.5f), (1156, 3, 1f) })
    cases.AdamStep(n, step, scale);

// Tuning's element-wise backward ops: the loss over the vocabulary, RMSNorm, the gated activation, softmax, RoPE.
foreach ((int n, int target, float spread) in new[] { (1, 0, 1f), (10, 4, 3f), (512, 0, 2f), (512, 511, 2f), (77, 30, 30f) })
    cases.CrossEntropy(n, target, spread, 1f / 31f);
foreach ((int n, float spread, bool zeros) in new[] { (1, 1f, false), (10, 3f, false), (512, 2f, true), (77, 20f, true) })
    cases.SoftCrossEntropy(n, spread, 0.25f, zeros);
foreach ((int n, bool dw) in new[] { (1, false), (7, true), (64, true), (64, false), (172, true) }) cases.RmsNormBackward(n, 1e-5f, dw);
cases.RmsNormBackward(64, 1e-2f, true);
foreach (int n in new[] { 0, 1, 13, 172 }) { cases.GatedActivationBackward(n, 0); cases.GatedActivationBackward(n, 1); }
foreach (int n in new[] { 0, 9, 172 }) { cases.ActivationL1Backward(n, 0, 0.3f); cases.ActivationL1Backward(n, 1, 0.3f); }
foreach ((int n, float divisor) in new[] { (0, 1f), (1, 1f), (9, 1f), (33, 2.828427f), (256, 4f) }) cases.SoftmaxBackward(n, divisor);
foreach ((int length, int head) in new[] { (64, 8), (6, 6), (0, 8), (48, 16) }) cases.Rope(length, head, inverse: true);

foreach ((int n, float sum) in new[] { (0, 0.5f), (1, 0f), (256, 0f), (333, 12.5f), (4624, 3f) }) cases.SumOfSquares(n, sum);

Directory.CreateDirectory(args[0]);
string path = Path.Combine(args[0], "kernel-vectors.bin");
VectorFile.Write(path, cases.All);
Console.WriteLine($"{cases.All.Count} cases -> {path} ({new FileInfo(path).Length} bytes)");
return 0;
