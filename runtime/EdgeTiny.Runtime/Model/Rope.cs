namespace EdgeTiny.Runtime.Model
{
    /// <summary>
    /// Rotary position embedding as llama2.c's run.c applies it: each (2i, 2i+1) pair of every query and key head is
    /// rotated by the angle pos · freq_i, freq_i = 1 / theta^(2i / head_size). The forward pass, the backward pass and
    /// the converter's dense reference all use these, so the three agree to the bit on the angles.
    /// </summary>
    public static class Rope
    {
        /// <summary>freq[i] = 1 / theta^(2i / headSize) for the headSize/2 pairs of a head (the same for every head and layer).</summary>
        public static void Frequencies(int headSize, float theta, float[] freq)
        {
            for (int i = 0; i < headSize / 2; i++)
                freq[i] = 1f / (float)System.Math.Pow(theta, (2 * i) / (float)headSize);
        }

        /// <summary>cos and sin of pos · freq[i] for every pair.</summary>
        public static void Angles(int pos, float[] freq, float[] cos, float[] sin)
        {
            for (int i = 0; i < freq.Length; i++)
            {
                float angle = pos * freq[i];
                cos[i] = (float)System.Math.Cos(angle);
                sin[i] = (float)System.Math.Sin(angle);
            }
        }

        /// <summary>Rotates v[off .. off+length) (whole heads of <paramref name="headSize"/>) by the angles from <see cref="Angles"/>.</summary>
        public static void Rotate(float[] v, int off, int length, int headSize, float[] cos, float[] sin)
        {
            Turn(v, off, length, headSize, cos, sin, 1f);
        }

        /// <summary>The inverse rotation (by the opposite angle): RoPE's backward pass, applied to a gradient in place.</summary>
        public static void RotateInverse(float[] v, int off, int length, int headSize, float[] cos, float[] sin)
        {
            Turn(v, off, length, headSize, cos, sin, -1f);
        }

        /// <summary>Each pair (v0, v1) becomes (v0 cos − v1 d·sin, v0 d·sin + v1 cos); d = ±1 (exact, so either way is bit-exact).</summary>
        private static void Turn(float[] v, int off, int length, int headSize, float[] cos, float[] sin, float direction)
        {
            for (int i = 0; i < length; i += 2)
            {
                int pair = (i % headSize) / 2;
                float c = cos[pair];
                float s = direction * sin[pair];
                float v0 = v[off + i];
                float v1 = v[off + i + 1];
                v[off + i] = v0 * c - v1 * s;
                v[off + i + 1] = v0 * s + v1 * c;
            }
        }
    }
}
