namespace EdgeTiny.Runtime.Text
{
    /// <summary>
    /// The code-point classes byte-level pre-tokenizers split on: letter (\p{L}), number (\p{N}), white space (\s, the
    /// Unicode White_Space property) or other. The table is <see cref="UnicodeClassRuns"/>: the code points where the class
    /// changes, each packed as start &lt;&lt; 2 | class, searched by bisection (1,610 runs, about 6.4 KB, created only for a
    /// byte-level vocabulary). A test regenerates it from .NET's Unicode data and compares every code point.
    /// </summary>
    public static class UnicodeClasses
    {
        public const int Other = 0, Letter = 1, Number = 2, Space = 3;

        /// <summary>The class of a code point (Other outside 0..0x10FFFF).</summary>
        public static int Of(int[] runs, int cp)
        {
            if (cp < 0 || cp > 0x10FFFF) return Other;
            int lo = 0, hi = runs.Length - 1;
            while (lo < hi)
            {
                int mid = (lo + hi + 1) >> 1;
                if ((runs[mid] >> 2) <= cp) lo = mid;
                else hi = mid - 1;
            }
            return runs[lo] & 3;
        }

        /// <summary>
        /// Decodes UTF-8 bytes utf8[0..length) into code points, their byte offsets (starts[i]; starts[count] = length)
        /// and classes; returns the count. A malformed sequence is one U+FFFD per byte, as llama.cpp reads it.
        /// </summary>
        public static int Decode(byte[] utf8, int length, int[] runs, int[] cps, int[] starts, byte[] classes)
        {
            int n = 0, i = 0;
            while (i < length)
            {
                int b = utf8[i];
                int need = b < 0x80 ? 0 : (b & 0xE0) == 0xC0 ? 1 : (b & 0xF0) == 0xE0 ? 2 : (b & 0xF8) == 0xF0 ? 3 : -1;
                int cp = need == 0 ? b : need == 1 ? b & 0x1F : need == 2 ? b & 0x0F : b & 0x07;
                bool ok = need >= 0 && i + need < length;
                for (int k = 1; ok && k <= need; k++)
                {
                    int c = utf8[i + k];
                    if ((c & 0xC0) != 0x80) ok = false;
                    else cp = (cp << 6) | (c & 0x3F);
                }
                starts[n] = i;
                if (!ok)
                {
                    cp = 0xFFFD;
                    need = 0;
                }
                cps[n] = cp;
                classes[n] = (byte)Of(runs, cp);
                n++;
                i += need + 1;
            }
            starts[n] = length;
            return n;
        }
    }
}
