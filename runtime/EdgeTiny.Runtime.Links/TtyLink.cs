using System.Diagnostics;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Runtime.Links;

/// <summary>
/// A Linux tty (a board's USB CDC port /dev/ttyACM0, a USB-UART /dev/ttyUSB0, a Pi's /dev/serial0 or a USB gadget's
/// /dev/ttyGS0) as a device link. System.IO.Ports is not used: the device file is configured with <c>stty</c> —
/// raw 8N1, no echo, no flow control, <c>min 0 time 1</c> so a read returns after 100 ms with nothing — and then read
/// and written as an ordinary file. A serial line never "closes": a read with nothing is always a timeout.
/// </summary>
public sealed class TtyLink : IDeviceLink, IDisposable
{
    private readonly FileStream _stream;
    public string Device { get; }
    public int Baud { get; }

    private TtyLink(string device, int baud, FileStream stream)
    {
        Device = device;
        Baud = baud;
        _stream = stream;
    }

    /// <summary>The stty arguments that put <paramref name="device"/> in the mode this link needs.</summary>
    public static string[] SttyArguments(string device, int baud) =>
        ["-F", device, baud.ToString(), "raw", "-echo", "-echoe", "-echok", "-echoctl", "-echoke", "-ixon", "-ixoff", "-crtscts",
         "cs8", "-cstopb", "-parenb", "clocal", "min", "0", "time", "1"];

    public static TtyLink Open(string device, int baud = 115200)
    {
        if (!File.Exists(device)) throw new FileNotFoundException($"{device} does not exist", device);
        Configure(device, baud);
        var stream = new FileStream(device, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        return new TtyLink(device, baud, stream);
    }

    /// <summary>Runs stty; throws IOException with its message when it fails (not a tty, no permission…).</summary>
    public static void Configure(string device, int baud)
    {
        var psi = new ProcessStartInfo("stty") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in SttyArguments(device, baud)) psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IOException($"cannot run stty to configure {device}: {e.Message}", e);
        }
        using (p)
        {
            string err = p.StandardError.ReadToEnd();
            if (!p.WaitForExit(10000)) { p.Kill(); throw new IOException($"stty did not finish configuring {device}"); }
            if (p.ExitCode != 0) throw new IOException($"stty could not configure {device}: {err.Trim()}");
        }
    }

    public int Read(byte[] buffer, int offset, int count)
    {
        int n = _stream.Read(buffer, offset, count);
        return n > 0 ? n : LinkRead.TimedOut; // VMIN=0/VTIME=1: 0 bytes means 100 ms of silence
    }

    public void Write(byte[] buffer, int offset, int count)
    {
        _stream.Write(buffer, offset, count);
        _stream.Flush();
    }

    public void Dispose() => _stream.Dispose();
}
