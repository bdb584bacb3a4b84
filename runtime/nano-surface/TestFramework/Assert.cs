// Checked against nanoframework/nanoFramework.TestFramework: source/TestFramework/TestMethodAttribute.cs,
// Assert.NoGenerics.AreEqual.cs (the non-generic AreEqual overloads, each with a trailing `string message = ""`),
// Assert.NoGenerics.cs (ThrowsException(Type, Action, string)), and the IsTrue/IsFalse(bool, string) pair.
// Only what tests/EdgeTiny.Device.Tests uses plus the AreEqual overload set (so overload resolution matches the device).
// The package's generic assertions (Throws<T>, ThrowsExactly<T>) need the 2.0 generics line and are left out.
using System;

namespace nanoFramework.TestFramework
{
    [AttributeUsage(AttributeTargets.Class)]
    public sealed class TestClassAttribute : Attribute
    {
    }

    [AttributeUsage(AttributeTargets.Method)]
    public sealed class TestMethodAttribute : Attribute
    {
    }

    public sealed class Assert
    {
        public static void AreEqual(bool expected, bool actual, string message = "") => throw null;
        public static void AreEqual(byte expected, byte actual, string message = "") => throw null;
        public static void AreEqual(char expected, char actual, string message = "") => throw null;
        public static void AreEqual(DateTime expected, DateTime actual, string message = "") => throw null;
        public static void AreEqual(double expected, double actual, string message = "") => throw null;
        public static void AreEqual(float expected, float actual, string message = "") => throw null;
        public static void AreEqual(int expected, int actual, string message = "") => throw null;
        public static void AreEqual(long expected, long actual, string message = "") => throw null;
        public static void AreEqual(object expected, object actual, string message = "") => throw null;
        public static void AreEqual(sbyte expected, sbyte actual, string message = "") => throw null;
        public static void AreEqual(short expected, short actual, string message = "") => throw null;
        public static void AreEqual(string expected, string actual, string message = "") => throw null;
        public static void AreEqual(uint expected, uint actual, string message = "") => throw null;
        public static void AreEqual(ulong expected, ulong actual, string message = "") => throw null;
        public static void AreEqual(ushort expected, ushort actual, string message = "") => throw null;
        public static void IsTrue(bool condition, string message = "") => throw null;
        public static void IsFalse(bool condition, string message = "") => throw null;
        public static void ThrowsException(Type exception, Action action, string message = "") => throw null;
    }
}
