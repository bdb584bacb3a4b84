// Checked against nanoframework/System.IO.FileSystem: System.IO.FileSystem/FileStream.cs (two stored versions) and NativeFileStream.cs.
// Only the constructors present in every checked version are declared: (path, mode) and (path, mode, access).
// The FileShare/bufferSize constructors described for the NativeFileStream-based version could not be read: left out.
namespace System.IO
{
    public class FileStream : Stream
    {
        public FileStream(string path, FileMode mode) { }
        public FileStream(string path, FileMode mode, FileAccess access) { }
        public override bool CanRead => throw null;
        public override bool CanSeek => throw null;
        public override bool CanWrite => throw null;
        public override long Length => throw null;
        public override long Position { get => throw null; set { } }
        public string Name => throw null;
        public override void Close() => throw null;
        protected override void Dispose(bool disposing) => throw null;
        public override void Flush() => throw null;
        public override int Read(byte[] buffer, int offset, int count) => throw null;
        public override int ReadByte() => throw null;
        public override long Seek(long offset, SeekOrigin origin) => throw null;
        public override void SetLength(long value) => throw null;
        public override void Write(byte[] buffer, int offset, int count) => throw null;
        public override void WriteByte(byte value) => throw null;
    }
}
