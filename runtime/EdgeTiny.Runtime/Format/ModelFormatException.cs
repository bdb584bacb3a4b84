namespace EdgeTiny.Runtime.Format
{
    /// <summary>
    /// The model file (or a section of it) is not what this runtime can read: wrong magic, unknown major version,
    /// truncation, bad CRC, out-of-range offsets. The message says what is wrong; callers add the file name.
    /// </summary>
    public class ModelFormatException : System.Exception
    {
        public ModelFormatException(string message) : base(message)
        {
        }
    }
}
