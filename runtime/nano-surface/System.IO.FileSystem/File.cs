// Checked against nanoframework/System.IO.FileSystem: System.IO.FileSystem/File.cs
// OpenText (returns StreamReader from System.IO.Streams) is not declared; ReadAllLines, AppendAllText, File.Open are unverified.
// There is no File.GetLastWriteTime (measured: the core does not compile against the real library when it uses it).
namespace System.IO
{
    public static class File
    {
        public static void Copy(string sourceFileName, string destFileName) => throw null;
        public static void Copy(string sourceFileName, string destFileName, bool overwrite) => throw null;
        public static FileStream Create(string path) => throw null;
        public static void Delete(string path) => throw null;
        public static bool Exists(string path) => throw null;
        public static FileAttributes GetAttributes(string path) => throw null;
        public static void Move(string sourceFileName, string destFileName) => throw null;
        public static FileStream OpenRead(string path) => throw null;
        public static FileStream OpenWrite(string path) => throw null;
        public static byte[] ReadAllBytes(string path) => throw null;
        public static string ReadAllText(string path) => throw null;
        public static void SetAttributes(string path, FileAttributes fileAttributes) => throw null;
        public static void WriteAllBytes(string path, byte[] bytes) => throw null;
        public static void WriteAllText(string path, string contents) => throw null;
    }
}
