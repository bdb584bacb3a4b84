// Checked against nanoframework/System.IO.FileSystem: System.IO.FileSystem/Directory.cs
// CreateDirectory is declared as void (the checked version); no GetCurrentDirectory, no EnumerateFiles, no search patterns.
namespace System.IO
{
    public static class Directory
    {
        public static string[] GetLogicalDrives() => throw null;
        public static void CreateDirectory(string path) => throw null;
        public static void Delete(string path, bool recursive = false) => throw null;
        public static bool Exists(string path) => throw null;
        public static void Move(string sourcePath, string destinationPath) => throw null;
        public static string[] GetFiles(string path) => throw null;
        public static string[] GetDirectories(string path) => throw null;
        public static DateTime GetLastWriteTime(string path) => throw null;
    }
}
