// Checked against nanoframework/System.IO.Streams: System.IO.Streams/Stream.cs and SeekOrigin.cs (Stream and SeekOrigin ship in
// this assembly, not in mscorlib: the real mscorlib 1.17.11 has no System.IO.Stream). MarshalByRefObject and IOException come
// from the real mscorlib. Left out on purpose: Read(Span<byte>) (2.0 preview line only) and CopyTo(Stream) (found only in the
// preview-line copy we read; not confirmed on 1.x). No EndOfStreamException, no ReadAsync.
namespace System.IO
{
    public enum SeekOrigin
    {
        Begin = 0,
        Current = 1,
        End = 2,
    }

    [Serializable]
    public abstract class Stream : MarshalByRefObject, IDisposable
    {
        public abstract bool CanRead { get; }
        public abstract bool CanSeek { get; }
        public virtual bool CanTimeout => throw null;
        public abstract bool CanWrite { get; }
        public abstract long Length { get; }
        public abstract long Position { get; set; }
        public virtual int ReadTimeout { get => throw null; set => throw null; }
        public virtual int WriteTimeout { get => throw null; set => throw null; }
        public virtual void Close() => throw null;
        public void Dispose() => throw null;
        protected virtual void Dispose(bool disposing) => throw null;
        public abstract void Flush();
        public abstract long Seek(long offset, SeekOrigin origin);
        public abstract void SetLength(long value);
        public abstract int Read(byte[] buffer, int offset, int count);
        public virtual int ReadByte() => throw null;
        public abstract void Write(byte[] buffer, int offset, int count);
        public virtual void WriteByte(byte value) => throw null;
    }
}
