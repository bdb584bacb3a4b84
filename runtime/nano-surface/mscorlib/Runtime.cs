// Checked against nanoframework/CoreLibrary: nanoFramework.CoreLibrary/System/GC.cs, Random.cs
// GC has no Collect/GetTotalMemory in mscorlib (nanoFramework.Runtime.Native.GC.Run is a separate package: not declared).
namespace System
{
    public static class GC
    {
        public static void WaitForPendingFinalizers() => throw null;
        public static void SuppressFinalize(object obj) => throw null;
        public static void ReRegisterForFinalize(object obj) => throw null;
    }

    public class Random
    {
        public Random() { }
        public Random(int seed) { }
        public virtual int Next() => throw null;
        public virtual int Next(int maxValue) => throw null;
        public virtual double NextDouble() => throw null;
        public virtual void NextBytes(byte[] buffer) => throw null;
    }
}
