// Checked against nanoframework/CoreLibrary: nanoFramework.CoreLibrary/System/Single.cs, Double.cs
// Note: Single has no Parse overloads with styles/providers and Double.IsFinite etc. do not exist.
namespace System
{
    public struct Single
    {
        public const float MinValue = (float)-3.40282346638528859e+38;
        public const float Epsilon = (float)1.4e-45;
        public const float MaxValue = (float)3.40282346638528859e+38;
        public const float NegativeInfinity = -1.0f / 0.0f;
        public const float PositiveInfinity = 1.0f / 0.0f;
        public const float NaN = 0.0f / 0.0f;
        public static bool IsInfinity(float f) => throw null;
        public static bool IsNaN(float f) => throw null;
        public static bool IsNegativeInfinity(float f) => throw null;
        public static bool IsPositiveInfinity(float f) => throw null;
        public int CompareTo(float value) => throw null;
        public static float Parse(string s) => throw null;
        public override string ToString() => throw null;
        public string ToString(string format) => throw null;
        public static bool TryParse(string s, out float result) => throw null;
    }

    public struct Double
    {
        public const double MinValue = -1.7976931348623157E+308;
        public const double MaxValue = 1.7976931348623157E+308;
        public const double Epsilon = 4.9406564584124650E-324;
        public const double NegativeInfinity = -1.0 / 0.0;
        public const double PositiveInfinity = 1.0 / 0.0;
        public const double NaN = 0.0 / 0.0;
        public int CompareTo(double value) => throw null;
        public static bool IsInfinity(double d) => throw null;
        public static bool IsNaN(double d) => throw null;
        public static bool IsNegativeInfinity(double d) => throw null;
        public static bool IsPositiveInfinity(double d) => throw null;
        public static double Parse(string s) => throw null;
        public override string ToString() => throw null;
        public string ToString(string format) => throw null;
        public static bool TryParse(string s, out double result) => throw null;
    }
}
