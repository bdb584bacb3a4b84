using System.Runtime.InteropServices;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Cli.Tests;

/// <summary>
/// The master side of a Linux pseudo-terminal as a device link: the slave (/dev/pts/N) behaves like a board's
/// /dev/ttyACM0 for whoever opens it (stty works on it), and whatever this side writes arrives there.
/// </summary>
public sealed class PtyLink : IDeviceLink, IDisposable
{
    private const int O_RDWR = 2, O_NOCTTY = 0x100, POLLIN = 1, EINTR = 4;
    private readonly int _fd;
    public string SlavePath { get; }
    public int ReadTimeoutMs { get; set; } = 50;

    [DllImport("libc", SetLastError = true)] private static extern int posix_openpt(int flags);
    [DllImport("libc", SetLastError = true)] private static extern int grantpt(int fd);
    [DllImport("libc", SetLastError = true)] private static extern int unlockpt(int fd);
    [DllImport("libc", SetLastError = true)] private static extern int ptsname_r(int fd, byte[] buf, nint len);
    [DllImport("libc", SetLastError = true)] private static extern nint read(int fd, byte[] buf, nint count);
    [DllImport("libc", SetLastError = true)] private static extern nint write(int fd, byte[] buf, nint count);
    [DllImport("libc", SetLastError = true)] private static extern int poll(ref PollFd fds, nuint nfds, int timeout);
    [DllImport("libc", SetLastError = true)] private static extern int close(int fd);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    public PtyLink()
    {
        _fd = posix_openpt(O_RDWR | O_NOCTTY);
        if (_fd < 0 || grantpt(_fd) != 0 || unlockpt(_fd) != 0) throw new IOException($"no pseudo-terminal: errno {Marshal.GetLastWin32Error()}");
        var name = new byte[128];
        if (ptsname_r(_fd, name, name.Length) != 0) throw new IOException("ptsname_r failed");
        SlavePath = System.Text.Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0));
    }

    public int Read(byte[] buffer, int offset, int count)
    {
        var fd = new PollFd { Fd = _fd, Events = POLLIN };
        int ready = poll(ref fd, 1, ReadTimeoutMs);
        if (ready <= 0 || (fd.Revents & POLLIN) == 0)
        {
            if (ready > 0) Thread.Sleep(ReadTimeoutMs); // hang-up (no one has the slave open): wait like a quiet line
            return LinkRead.TimedOut;
        }
        var tmp = new byte[count];
        long n = read(_fd, tmp, count);
        if (n <= 0)
        {
            Thread.Sleep(ReadTimeoutMs); // EIO while the slave is closed: a serial line is never "closed"
            return LinkRead.TimedOut;
        }
        Array.Copy(tmp, 0, buffer, offset, (int)n);
        return (int)n;
    }

    public void Write(byte[] buffer, int offset, int count)
    {
        byte[] tmp = buffer[offset..(offset + count)];
        int done = 0;
        while (done < count)
        {
            long n = write(_fd, done == 0 ? tmp : tmp[done..], count - done);
            if (n < 0)
            {
                if (Marshal.GetLastWin32Error() == EINTR) continue;
                throw new IOException($"pty write failed: errno {Marshal.GetLastWin32Error()}");
            }
            done += (int)n;
        }
    }

    public void Dispose() => close(_fd);
}
