// Checked against nanoframework/System.IO.Streams: System.IO.Streams/MemoryStream.cs
// Note: a nanoFramework MemoryStream is capped at 0xFFFF bytes (MemStreamMaxLength). No MemoryStream(int capacity),
// no MemoryStream(byte[], int, int), no TryGetBuffer. StreamReader/StreamWriter exist in this package but are not declared here.
namespace System.IO
{
    public class MemoryStream : Stream
    {
        public MemoryStream() { }
        public MemoryStream(byte[] buffer) { }
        public MemoryStream(byte[] buffer, bool isWritable) { }
        public override bool CanRead => throw null;
        public override bool CanSeek => throw null;
        public override bool CanWrite => throw null;
        protected override void Dispose(bool disposing) => throw null;
        public override void Flush() => throw null;
        public virtual byte[] GetBuffer() => throw null;
        public override long Length => throw null;
        public override long Position { get => throw null; set { } }
        public override int Read(byte[] buffer, int offset, int count) => throw null;
        public override int ReadByte() => throw null;
        public override long Seek(long offset, SeekOrigin origin) => throw null;
        public override void SetLength(long value) => throw null;
        public virtual byte[] ToArray() => throw null;
        public override void Write(byte[] buffer, int offset, int count) => throw null;
        public override void WriteByte(byte value) => throw null;
        public virtual void WriteTo(Stream stream) => throw null;
    }
}
