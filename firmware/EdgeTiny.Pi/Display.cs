using System.Device.I2c;
using System.Drawing;
using System.Globalization;
using Iot.Device.Graphics;
using Iot.Device.Ssd13xx;

namespace EdgeTiny.Pi;

/// <summary>
/// A 128×32 SSD1306 OLED on I²C (Iot.Device.Bindings' <see cref="Ssd1306"/>, which initialises the controller for
/// 128×32 panels): four lines of text — the state, generated tokens/s of the last request, the adapter generation, and
/// the detail (address, last request, error). The binding draws <see cref="BitmapImage"/>s; this host registers its own
/// small in-memory bitmap (<see cref="TextBitmap"/>) instead of a SkiaSharp adapter, and renders the text with a 5×7 font.
/// By default the screen is redrawn on a background thread (a full frame is 512 bytes: ~50 ms at 100 kHz), so requests
/// never wait for the display.
/// </summary>
public sealed class Ssd1306Status : IStatusIndicator
{
    public const int Width = 128;
    public const int Height = 32;
    public const int DefaultAddress = 0x3C;
    public const int Columns = Width / TextBitmap.CellWidth;
    public const int Rows = Height / TextBitmap.CellHeight;

    private readonly Ssd1306 _display;
    private readonly BitmapImage _image;
    private readonly object _gate = new();
    private readonly Thread? _refresher;
    private readonly AutoResetEvent _wake = new(false);
    private HostState _state = HostState.Starting;
    private string _detail = "";
    private HostMetrics _metrics;
    private bool _dirty;
    private bool _closing;
    private bool _failed;

    /// <summary>Opens the display on <paramref name="device"/> (the binding sends its init sequence and clears the screen).</summary>
    public static Ssd1306Status Open(I2cDevice device, bool refreshInBackground = true)
    {
        TextBitmap.Register();
        return new Ssd1306Status(new Ssd1306(device, Width, Height), refreshInBackground);
    }

    private Ssd1306Status(Ssd1306 display, bool refreshInBackground)
    {
        _display = display;
        _image = display.GetBackBufferCompatibleImage();
        if (refreshInBackground)
        {
            _refresher = new Thread(Refresh) { IsBackground = true, Name = "ssd1306" };
            _refresher.Start();
        }
    }

    public void Show(HostState state, string detail)
    {
        lock (_gate)
        {
            _state = state;
            _detail = detail;
            _dirty = true;
        }
        Changed();
    }

    public void Measured(HostMetrics metrics)
    {
        lock (_gate)
        {
            _metrics = metrics;
            _dirty = true;
        }
        Changed();
    }

    /// <summary>The four lines the screen shows now (upper case: the font has no lower case).</summary>
    public string[] Lines()
    {
        lock (_gate)
        {
            return
            [
                Fit("EDGETINY " + _state.ToString()),
                Fit(TokensPerSecondText(_metrics)),
                Fit("ADAPTERS GEN " + _metrics.AdapterGeneration.ToString(CultureInfo.InvariantCulture)),
                Fit(_detail),
            ];
        }
    }

    public static string TokensPerSecondText(HostMetrics m) =>
        (m.TokensPerSecond is double t ? t.ToString("0.0", CultureInfo.InvariantCulture) : "-") + " tok/s";

    private static string Fit(string s)
    {
        string u = s.ToUpperInvariant();
        return u.Length <= Columns ? u : u[..Columns];
    }

    private void Changed()
    {
        if (_refresher is not null) _wake.Set();
        else Render();
    }

    private void Render()
    {
        lock (_gate) _dirty = false;
        TextBitmap.Draw(_image, Lines());
        _display.DrawBitmap(_image);
    }

    private void Refresh()
    {
        while (true)
        {
            _wake.WaitOne();
            bool draw;
            lock (_gate)
            {
                if (_closing) return;
                draw = _dirty && !_failed;
            }
            if (!draw) continue;
            try
            {
                Render();
            }
            catch (Exception e)
            {
                lock (_gate) _failed = true; // one line, then the display is left alone; serving goes on
                Console.Error.WriteLine($"edgetiny-pi: display: {OneLine(e.Message)} (no more display updates)");
            }
            Thread.Sleep(100); // at most ~10 frames a second; later changes are drawn together
        }
    }

    internal static string OneLine(string s) => string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Stops the refresher, draws the final state once, and releases the display and its I²C device.</summary>
    public void Dispose()
    {
        lock (_gate) _closing = true;
        if (_refresher is not null)
        {
            _wake.Set();
            _refresher.Join();
        }
        try
        {
            if (!_failed) Render();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"edgetiny-pi: display: {OneLine(e.Message)}");
        }
        _display.Dispose();
        _image.Dispose();
        _wake.Dispose();
    }
}

/// <summary>
/// A 32-bit in-memory <see cref="BitmapImage"/> for the Ssd13xx binding (registered as its image factory: the host needs
/// no SkiaSharp), and the 5×7 font the status text is drawn with (6×8 cells: 21 columns × 4 rows on 128×32).
/// </summary>
public sealed class TextBitmap : BitmapImage
{
    public const int CellWidth = 6;
    public const int CellHeight = 8;

    private readonly int[] _argb;

    public TextBitmap(int width, int height, PixelFormat format)
        : base(width, height, width * 4, format == PixelFormat.Unspecified ? PixelFormat.Format32bppArgb : format)
    {
        _argb = new int[width * height];
    }

    public override void SetPixel(int x, int y, Color color) => _argb[y * Width + x] = color.ToArgb();

    public override Color GetPixel(int x, int y) => Color.FromArgb(_argb[y * Width + x]);

    public override void Clear(Color color) => Array.Fill(_argb, color.ToArgb());

    public override Span<byte> AsByteSpan() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_argb.AsSpan());

    public override void SaveToStream(Stream stream, ImageFileType format) => throw new NotSupportedException("the status display's bitmaps are not saved");

    public override IGraphics GetDrawingApi() => throw new NotSupportedException("draw with TextBitmap.Draw");

    protected override void Dispose(bool disposing) { }

    private sealed class Factory : IImageFactory
    {
        public BitmapImage CreateBitmap(int width, int height, PixelFormat pixelFormat) => new TextBitmap(width, height, pixelFormat);

        public BitmapImage CreateFromStream(Stream file) => throw new NotSupportedException("the status display loads no image files");
    }

    /// <summary>Makes the binding create <see cref="TextBitmap"/>s (its display classes ask the factory for their back buffer).</summary>
    public static void Register() => RegisterImageFactory(new Factory());

    /// <summary>Clears <paramref name="image"/> and draws one line per text row, white on black.</summary>
    public static void Draw(BitmapImage image, string[] lines)
    {
        image.Clear(Color.Black);
        for (int row = 0; row < lines.Length && (row + 1) * CellHeight <= image.Height; row++)
            for (int col = 0; col < lines[row].Length && (col + 1) * CellWidth <= image.Width; col++)
            {
                byte[] glyph = Glyph(lines[row][col]);
                for (int x = 0; x < 5; x++)
                    for (int y = 0; y < 7; y++)
                        if ((glyph[x] >> y & 1) != 0) image.SetPixel(col * CellWidth + x, row * CellHeight + y, Color.White);
            }
    }

    /// <summary>The five columns of a character (bit 0 at the top); '?' for one the font lacks.</summary>
    public static byte[] Glyph(char c) => Font.TryGetValue(c, out byte[]? g) ? g : Font['?'];

    /// <summary>Upper-case letters, digits and a little punctuation: what the status lines need.</summary>
    public static readonly IReadOnlyDictionary<char, byte[]> Font = new Dictionary<char, byte[]>
    {
        [' '] = [0x00, 0x00, 0x00, 0x00, 0x00],
        ['.'] = [0x00, 0x60, 0x60, 0x00, 0x00],
        ['/'] = [0x20, 0x10, 0x08, 0x04, 0x02],
        [':'] = [0x00, 0x36, 0x36, 0x00, 0x00],
        ['-'] = [0x08, 0x08, 0x08, 0x08, 0x08],
        ['?'] = [0x02, 0x01, 0x51, 0x09, 0x06],
        ['0'] = [0x3E, 0x51, 0x49, 0x45, 0x3E],
        ['1'] = [0x00, 0x42, 0x7F, 0x40, 0x00],
        ['2'] = [0x42, 0x61, 0x51, 0x49, 0x46],
        ['3'] = [0x21, 0x41, 0x45, 0x4B, 0x31],
        ['4'] = [0x18, 0x14, 0x12, 0x7F, 0x10],
        ['5'] = [0x27, 0x45, 0x45, 0x45, 0x39],
        ['6'] = [0x3C, 0x4A, 0x49, 0x49, 0x30],
        ['7'] = [0x01, 0x71, 0x09, 0x05, 0x03],
        ['8'] = [0x36, 0x49, 0x49, 0x49, 0x36],
        ['9'] = [0x06, 0x49, 0x49, 0x29, 0x1E],
        ['A'] = [0x7E, 0x11, 0x11, 0x11, 0x7E],
        ['B'] = [0x7F, 0x49, 0x49, 0x49, 0x36],
        ['C'] = [0x3E, 0x41, 0x41, 0x41, 0x22],
        ['D'] = [0x7F, 0x41, 0x41, 0x22, 0x1C],
        ['E'] = [0x7F, 0x49, 0x49, 0x49, 0x41],
        ['F'] = [0x7F, 0x09, 0x09, 0x09, 0x01],
        ['G'] = [0x3E, 0x41, 0x49, 0x49, 0x7A],
        ['H'] = [0x7F, 0x08, 0x08, 0x08, 0x7F],
        ['I'] = [0x00, 0x41, 0x7F, 0x41, 0x00],
        ['J'] = [0x20, 0x40, 0x41, 0x3F, 0x01],
        ['K'] = [0x7F, 0x08, 0x14, 0x22, 0x41],
        ['L'] = [0x7F, 0x40, 0x40, 0x40, 0x40],
        ['M'] = [0x7F, 0x02, 0x0C, 0x02, 0x7F],
        ['N'] = [0x7F, 0x04, 0x08, 0x10, 0x7F],
        ['O'] = [0x3E, 0x41, 0x41, 0x41, 0x3E],
        ['P'] = [0x7F, 0x09, 0x09, 0x09, 0x06],
        ['Q'] = [0x3E, 0x41, 0x51, 0x21, 0x5E],
        ['R'] = [0x7F, 0x09, 0x19, 0x29, 0x46],
        ['S'] = [0x46, 0x49, 0x49, 0x49, 0x31],
        ['T'] = [0x01, 0x01, 0x7F, 0x01, 0x01],
        ['U'] = [0x3F, 0x40, 0x40, 0x40, 0x3F],
        ['V'] = [0x1F, 0x20, 0x40, 0x20, 0x1F],
        ['W'] = [0x3F, 0x40, 0x38, 0x40, 0x3F],
        ['X'] = [0x63, 0x14, 0x08, 0x14, 0x63],
        ['Y'] = [0x07, 0x08, 0x70, 0x08, 0x07],
        ['Z'] = [0x61, 0x51, 0x49, 0x45, 0x43],
    };
}
