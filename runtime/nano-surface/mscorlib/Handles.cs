// Checked against nanoframework/CoreLibrary: nanoFramework.CoreLibrary/System/{IntPtr,UIntPtr,RuntimeTypeHandle,RuntimeFieldHandle,RuntimeMethodHandle}.cs
// All five are empty structs in nanoFramework (no IntPtr.Zero, no arithmetic).
namespace System
{
    public struct IntPtr { }
    public struct UIntPtr { }
    public struct RuntimeTypeHandle { }
    public struct RuntimeFieldHandle { }
    public struct RuntimeMethodHandle { }
}
