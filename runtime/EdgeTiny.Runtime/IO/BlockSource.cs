namespace EdgeTiny.Runtime.IO
{
    /// <summary>
    /// Random-access reads from the model file. Every read is counted (commands and bytes) because on an SD card
    /// the number of read commands, not just the bytes, decides the speed.
    /// </summary>
    public abstract class BlockSource : System.IDisposable
    {
        private long _reads;
        private long _bytes;

        /// <summary>Total bytes in the underlying file.</summary>
        public abstract long Length { get; }

        /// <summary>Read commands issued so far.</summary>
        public long Reads { get { return _reads; } }

        /// <summary>Bytes read so far.</summary>
        public long BytesRead { get { return _bytes; } }

        /// <summary>Reads exactly <paramref name="count"/> bytes at <paramref name="position"/> into buffer[offset..].</summary>
        public void ReadAt(long position, byte[] buffer, int offset, int count)
        {
            if (position < 0 || count < 0 || position + count > Length)
                throw new System.IO.IOException("read of " + count.ToString() + " bytes at " + position.ToString()
                    + " is outside the file (" + Length.ToString() + " bytes)");
            ReadCore(position, buffer, offset, count);
            _reads++;
            _bytes += count;
        }

        /// <summary>Resets the read counters (e.g. after loading, to count per-token reads only).</summary>
        public void ResetCounters()
        {
            _reads = 0;
            _bytes = 0;
        }

        protected abstract void ReadCore(long position, byte[] buffer, int offset, int count);

        public virtual void Dispose()
        {
        }
    }
}
