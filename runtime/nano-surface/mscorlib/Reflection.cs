// Checked against nanoframework/CoreLibrary: nanoFramework.CoreLibrary/System/Type.cs, System/Reflection/MemberInfo.cs,
// System/Reflection/DefaultMemberAttribute.cs (reflection-enabled mscorlib build). Only a minimal slice of reflection is declared.
namespace System
{
    public abstract class Type : System.Reflection.MemberInfo
    {
        public static Type GetType(string typeName) => throw null;
        public static Type GetTypeFromHandle(RuntimeTypeHandle handle) => throw null;
        public abstract string FullName { get; }
        public abstract string AssemblyQualifiedName { get; }
        public abstract Type BaseType { get; }
    }
}

namespace System.Reflection
{
    public abstract class MemberInfo
    {
        public abstract string Name { get; }
        public abstract Type DeclaringType { get; }
        public abstract object[] GetCustomAttributes(bool inherit);
    }

    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface)]
    public sealed class DefaultMemberAttribute : Attribute
    {
        public DefaultMemberAttribute(string memberName) { }
        public string MemberName => throw null;
    }
}
