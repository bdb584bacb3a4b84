// Checked against nanoframework/System.IO.FileSystem: System.IO.FileSystem/DirectoryInfo.cs and FileSystemInfo.cs
// (Directory.CreateDirectory returns a DirectoryInfo). FileInfo and DirectoryInfo.GetFiles (FileInfo[]) are not declared.
namespace System.IO
{
    public abstract class FileSystemInfo : MarshalByRefObject
    {
        public FileAttributes Attributes => throw null;
        public virtual string FullName => throw null;
        public string Extension => throw null;
        public abstract bool Exists { get; }
        public abstract string Name { get; }
        public abstract void Delete();
        public void Refresh() => throw null;
    }

    public sealed class DirectoryInfo : FileSystemInfo
    {
        public DirectoryInfo(string path) { }
        public override string Name => throw null;
        public override bool Exists => throw null;
        public DirectoryInfo Root => throw null;
        public DirectoryInfo Parent => throw null;
        public void Create() => throw null;
        public DirectoryInfo CreateSubdirectory(string path) => throw null;
        public DirectoryInfo[] GetDirectories() => throw null;
        public void MoveTo(string destDirName) => throw null;
        public override void Delete() => throw null;
        public void Delete(bool recursive) => throw null;
        public override string ToString() => throw null;
    }
}
