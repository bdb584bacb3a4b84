namespace EdgeTiny.Runtime.IO
{
    /// <summary>
    /// A block source over a seekable stream — a FileStream on desktop, Raspberry Pi, and nanoFramework's
    /// System.IO.FileSystem (the same Seek/Read calls exist on all three).
    /// </summary>
    public sealed class StreamBlockSource : BlockSource
    {
        private readonly System.IO.Stream _stream;
        private readonly bool _ownsStream;
        private readonly long _length;

        public StreamBlockSource(System.IO.Stream stream, bool ownsStream)
        {
            if (stream == null) throw new System.ArgumentNullException("stream");
            if (!stream.CanSeek || !stream.CanRead) throw new System.ArgumentException("stream must be readable and seekable", "stream");
            _stream = stream;
            _ownsStream = ownsStream;
            _length = stream.Length;
        }

        public override long Length { get { return _length; } }

        protected override void ReadCore(long position, byte[] buffer, int offset, int count)
        {
            _stream.Seek(position, System.IO.SeekOrigin.Begin);
            int done = 0;
            while (done < count)
            {
                int n = _stream.Read(buffer, offset + done, count - done);
                if (n <= 0) throw new System.IO.IOException("unexpected end of file at byte " + (position + done).ToString());
                done += n;
            }
        }

        public override void Dispose()
        {
            if (_ownsStream) _stream.Dispose();
        }
    }
}
