using System.Globalization;

namespace EdgeTiny.Converter;

/// <summary>Parses sizes like "65536", "64KB", "1.5 MB" (1 KB = 1024 B, as DESIGN.md fixes).</summary>
public static class SizeParser
{
    public static long Parse(string text, string flag)
    {
        string t = text.Trim().ToUpperInvariant().Replace(" ", "");
        long unit = 1;
        if (t.EndsWith("KB")) { unit = 1024; t = t[..^2]; }
        else if (t.EndsWith("MB")) { unit = 1024 * 1024; t = t[..^2]; }
        else if (t.EndsWith("GB")) { unit = 1024L * 1024 * 1024; t = t[..^2]; }
        else if (t.EndsWith('B')) t = t[..^1];
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value <= 0)
            throw new InputException(flag, $"'{text}' is not a size (bytes, or a number with KB, MB or GB)");
        double bytes = value * unit;
        if (bytes > long.MaxValue / 2) throw new InputException(flag, $"'{text}' is too large");
        return (long)Math.Round(bytes);
    }
}
