namespace EdgeTiny.Runtime.IO
{
    /// <summary>
    /// The few file operations persistence needs, on real files through System.IO (on a board, the SD card's D:\ via
    /// nanoFramework.System.IO.FileSystem, which has the same calls). Virtual so tests can cut the power mid-way.
    /// </summary>
    public class FileStore
    {
        public virtual bool Exists(string path) { return System.IO.File.Exists(path); }

        public virtual void Delete(string path) { System.IO.File.Delete(path); }

        /// <summary>Renames a file; the target must not exist (FAT semantics).</summary>
        public virtual void Move(string from, string to) { System.IO.File.Move(from, to); }

        public virtual byte[] ReadAll(string path) { return System.IO.File.ReadAllBytes(path); }

        /// <summary>Bytes in the file (0 when it does not exist).</summary>
        public virtual long Length(string path)
        {
            if (!System.IO.File.Exists(path)) return 0;
            System.IO.FileStream s = new System.IO.FileStream(path, System.IO.FileMode.Open, System.IO.FileAccess.Read);
            try
            {
                return s.Length;
            }
            finally
            {
                s.Dispose();
            }
        }

        /// <summary>Appends data[offset..offset+count) to the file (creating it) and flushes it to the card.</summary>
        public virtual void Append(string path, byte[] data, int offset, int count)
        {
            System.IO.FileStream s = new System.IO.FileStream(path, System.IO.FileMode.Append);
            try
            {
                s.Write(data, offset, count);
                s.Flush();
            }
            finally
            {
                s.Dispose();
            }
        }

        /// <summary>Creates (or truncates) the file, writes data[0..count) and flushes it to the card.</summary>
        public virtual void WriteAll(string path, byte[] data, int count)
        {
            System.IO.FileStream s = new System.IO.FileStream(path, System.IO.FileMode.Create);
            try
            {
                s.Write(data, 0, count);
                s.Flush();
            }
            finally
            {
                s.Dispose();
            }
        }
    }
}
