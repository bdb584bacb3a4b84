namespace EdgeTiny.Host.Prediction;

/// <summary>
/// One value per <see cref="EdgeTiny.Runtime.Kernels.IKernels"/> member, named as the member (a test holds the two
/// lists equal): the unit in which calls and work are counted and in which a firmware is native or not.
/// </summary>
public enum KernelKind
{
    MatVecF32, MatVecQ8, MatVecQ, MatVecSparseQ,
    MatTVecF32, MatTVecQ, MatTVecSparseQ,
    RmsNorm, Softmax, Rope, Dot, Axpy, FfnBundles, GatedActivation,
    AttentionScores, AttentionValues, AttentionScoresQ8, AttentionValuesQ8,
    DotQ8, AxpyQ8,
    Ger, AdamStep,
}
