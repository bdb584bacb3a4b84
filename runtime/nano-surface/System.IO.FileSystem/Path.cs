// Checked against nanoframework/System.IO.FileSystem: System.IO.FileSystem/Path.cs
// Only Combine(string, string) exists (no 3/4-argument or params overloads); no GetTempPath, no Join.
namespace System.IO
{
    public static class Path
    {
        public static readonly char DirectorySeparatorChar;
        public static readonly char AltDirectorySeparatorChar;
        public static readonly char VolumeSeparatorChar;
        public static readonly char PathSeparator;
        public static string ChangeExtension(string path, string extension) => throw null;
        public static string Combine(string path1, string path2) => throw null;
        public static string GetDirectoryName(string path) => throw null;
        public static string GetExtension(string path) => throw null;
        public static string GetFileName(string path) => throw null;
        public static string GetFileNameWithoutExtension(string path) => throw null;
        public static string GetFullPath(string path) => throw null;
        public static char[] GetInvalidFileNameChars() => throw null;
        public static char[] GetInvalidPathChars() => throw null;
        public static string GetPathRoot(string path) => throw null;
        public static bool HasExtension(string path) => throw null;
        public static bool IsPathRooted(string path) => throw null;
    }
}
