namespace EdgeTiny.Runtime.Model
{
    /// <summary>
    /// The FFN's activation, act(z): silu for SwiGLU (<see cref="ModelConfig.ActivationSwiGlu"/>), relu for ReLU models
    /// (<see cref="ModelConfig.ActivationReluGlu"/>). The one place it is written: the reference kernel, the packed FFN, the
    /// backward pass and the converter's reference all call it, so they agree to the bit.
    /// </summary>
    public static class FfnActivation
    {
        /// <summary>act(z): z · σ(z) for silu, max(z, 0) for relu.</summary>
        public static float Apply(float z, int activation)
        {
            if (activation == ModelConfig.ActivationSwiGlu) return z * (1f / (1f + (float)System.Math.Exp(-z)));
            return z > 0f ? z : 0f;
        }

        /// <summary>act(z) and its slope act'(z); silu'(z) = σ(z) (1 + z (1 − σ(z))).</summary>
        public static void WithSlope(float z, int activation, out float a, out float slope)
        {
            if (activation == ModelConfig.ActivationSwiGlu)
            {
                float sig = 1f / (1f + (float)System.Math.Exp(-z));
                a = z * sig;
                slope = sig * (1f + z * (1f - sig));
            }
            else
            {
                a = z > 0f ? z : 0f;
                slope = z > 0f ? 1f : 0f;
            }
        }
    }
}
