// Checked against nanoframework/CoreLibrary: nanoFramework.CoreLibrary/System/Delegate.cs, MulticastDelegate.cs (Method/GetInvocationList/Target are reflection-build members)
// The generic Action<T>/Func<T> forms are declared in CoreLibrary source but unusable on the 1.x runtime: not declared here.
namespace System
{
    public abstract class Delegate
    {
        public override bool Equals(object obj) => throw null;
        public static Delegate Combine(Delegate a, Delegate b) => throw null;
        public static Delegate Remove(Delegate source, Delegate value) => throw null;
        public virtual Delegate[] GetInvocationList() => throw null;
        public object Target => throw null;
        public static bool operator ==(Delegate d1, Delegate d2) => throw null;
        public static bool operator !=(Delegate d1, Delegate d2) => throw null;
    }

    public abstract class MulticastDelegate : Delegate
    {
        public static bool operator ==(MulticastDelegate d1, MulticastDelegate d2) => throw null;
        public static bool operator !=(MulticastDelegate d1, MulticastDelegate d2) => throw null;
        public override bool Equals(object obj) => throw null;
    }
}
