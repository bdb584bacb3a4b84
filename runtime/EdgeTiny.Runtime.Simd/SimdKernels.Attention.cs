namespace EdgeTiny.Runtime.Simd;

// Whole-head attention and the gated activation. For now these run the portable reference loops (exact, no
// allocation); SIMD versions replace them one by one, tested against PortableKernels like the rest.
public sealed partial class SimdKernels
{
    public void GatedActivation(float[] gate, float[] up, int n, int activation) =>
        _portable.GatedActivation(gate, up, n, activation);

    public void AttentionScores(float[] q, int qOff, float[] keys, int keyOff, int stride, int count, int headSize, float scale, float[] scores, int sOff) =>
        _portable.AttentionScores(q, qOff, keys, keyOff, stride, count, headSize, scale, scores, sOff);

    public void AttentionValues(float[] weights, int wOff, float[] values, int valOff, int stride, int count, int headSize, float[] output, int outOff) =>
        _portable.AttentionValues(weights, wOff, values, valOff, stride, count, headSize, output, outOff);

    public void AttentionScoresQ8(float[] q, int qOff, byte[] keys, int keyOff, int stride, float[] keyScales, int scaleOff, int scaleStride,
        int count, int headSize, float scale, float[] scores, int sOff) =>
        _portable.AttentionScoresQ8(q, qOff, keys, keyOff, stride, keyScales, scaleOff, scaleStride, count, headSize, scale, scores, sOff);

    public void AttentionValuesQ8(float[] weights, int wOff, byte[] values, int valOff, int stride, float[] valueScales, int scaleOff, int scaleStride,
        int count, int headSize, float[] output, int outOff) =>
        _portable.AttentionValuesQ8(weights, wOff, values, valOff, stride, valueScales, scaleOff, scaleStride, count, headSize, output, outOff);
}
