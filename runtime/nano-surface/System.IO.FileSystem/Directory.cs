// Checked against nanoframework/System.IO.FileSystem: System.IO.FileSystem/Directory.cs
// CreateDirectory returns DirectoryInfo; there is no GetLastWriteTime and no GetLogicalDrives (measured against the real library,
// see ../../shared/docs/research-mcu-nanoframework.md "Update, November 2026"); no GetCurrentDirectory, no EnumerateFiles, no search patterns.
namespace System.IO
{
    public static class Directory
    {
        public static DirectoryInfo CreateDirectory(string path) => throw null;
        public static void Delete(string path, bool recursive = false) => throw null;
        public static bool Exists(string path) => throw null;
        public static void Move(string sourcePath, string destinationPath) => throw null;
        public static string[] GetFiles(string path) => throw null;
        public static string[] GetDirectories(string path) => throw null;
    }
}
