// Checked against nanoframework/CoreLibrary: nanoFramework.CoreLibrary/System/Diagnostics/Debug.cs, ConditionalAttribute.cs
// Absent in nanoFramework 1.x (do not add): Debug.WriteLine(string format, params object[]), Debug.Print, Debug.Fail, Trace, Stopwatch.
namespace System.Diagnostics
{
    public static class Debug
    {
        [Conditional("DEBUG")] public static void Assert(bool condition) => throw null;
        [Conditional("DEBUG")] public static void Assert(bool condition, string message) => throw null;
        [Conditional("DEBUG")] public static void Assert(bool condition, string message, string detailedMessage) => throw null;
        [Conditional("DEBUG")] public static void Write(string message) => throw null;
        [Conditional("DEBUG")] public static void WriteLine(string message) => throw null;
    }

    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class ConditionalAttribute : Attribute
    {
        public ConditionalAttribute(string conditionString) { }
        public string ConditionString => throw null;
    }
}
