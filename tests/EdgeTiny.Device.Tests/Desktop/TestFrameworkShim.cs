// A desktop stand-in for the part of nanoFramework.TestFramework (2.x) the device tests use: [TestClass], [TestMethod],
// Assert.AreEqual/IsTrue/IsFalse/ThrowsException (names and argument order as in nanoframework/nanoFramework.TestFramework
// source/TestFramework). Not used on the device, where the real package is referenced.
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

    public sealed class AssertFailedException : Exception
    {
        public AssertFailedException(string message) : base(message)
        {
        }
    }

    public static class Assert
    {
        public static void AreEqual(object expected, object actual, string message = "")
        {
            if (!Equals(expected, actual))
                throw new AssertFailedException($"Assert.AreEqual: expected <{expected}> ({expected?.GetType().Name}), got <{actual}> ({actual?.GetType().Name}). {message}");
        }

        public static void IsTrue(bool condition, string message = "")
        {
            if (!condition) throw new AssertFailedException("Assert.IsTrue failed. " + message);
        }

        public static void IsFalse(bool condition, string message = "")
        {
            if (condition) throw new AssertFailedException("Assert.IsFalse failed. " + message);
        }

        public static void ThrowsException(Type exceptionType, Action action, string message = "")
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                if (exceptionType.IsInstanceOfType(e)) return;
                throw new AssertFailedException($"Assert.ThrowsException: expected {exceptionType.Name}, got {e.GetType().Name}: {e.Message}. {message}");
            }
            throw new AssertFailedException($"Assert.ThrowsException: expected {exceptionType.Name}, nothing was thrown. {message}");
        }
    }
}
