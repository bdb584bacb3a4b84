// Checked against nanoframework/System.IO.FileSystem: System.IO.FileSystem/{FileMode,FileAccess,FileShare,FileAttributes}.cs
namespace System.IO
{
    public enum FileMode
    {
        CreateNew = 1,
        Create = 2,
        Open = 3,
        OpenOrCreate = 4,
        Truncate = 5,
        Append = 6,
    }

    [Flags]
    public enum FileAccess
    {
        Read = 1,
        Write = 2,
        ReadWrite = 3,
    }

    [Flags]
    public enum FileShare
    {
        None = 0x00,
        Read = 0x01,
        Write = 0x02,
        ReadWrite = 0x03,
    }

    [Flags]
    public enum FileAttributes
    {
        ReadOnly = 0x0001,
        Hidden = 0x0002,
        System = 0x0004,
        Directory = 0x0010,
        Archive = 0x0020,
    }
}
