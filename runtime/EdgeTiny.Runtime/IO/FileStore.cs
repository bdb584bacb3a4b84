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
