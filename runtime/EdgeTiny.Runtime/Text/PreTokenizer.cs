namespace EdgeTiny.Runtime.Text
{
    /// <summary>
    /// Splits a text (as code points) into the words a byte-level BPE vocabulary merges within, written by hand (no
    /// regular expressions on a board) to match llama.cpp's pre-tokenizers exactly:
    /// <list type="bullet">
    /// <item><see cref="Gpt2"/> ("gpt-2"): 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</item>
    /// <item><see cref="Llama3"/> ("llama-bpe", Llama 3): (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
    /// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</item>
    /// <item><see cref="SmolLm"/> ("smollm"): every \p{N} code point a piece of its own, then the GPT-2 pattern inside each
    /// piece between them.</item>
    /// <item><see cref="Qwen2"/> ("qwen2"): Llama 3's pattern with \p{N} (one digit a word) for \p{N}{1,3}.</item>
    /// </list>
    /// Letters, numbers and white space come from <see cref="UnicodeClasses"/> (generated from .NET's Unicode data).
    /// Allocates nothing: words are written as end indices into a caller's array.
    /// </summary>
    public static class PreTokenizer
    {
        public const int None = 0, Gpt2 = 1, Llama3 = 2, SmolLm = 3, Qwen2 = 4;
        public const int Last = Qwen2;

        /// <summary>The pre-tokenizer's name as llama.cpp's tokenizer.ggml.pre spells it.</summary>
        public static string Name(int kind)
        {
            switch (kind)
            {
                case Gpt2: return "gpt-2";
                case Llama3: return "llama-bpe";
                case SmolLm: return "smollm";
                case Qwen2: return "qwen2";
                default: return "none";
            }
        }

        /// <summary>
        /// Splits cps[0..count) (their classes in classes[0..count), see <see cref="UnicodeClasses"/>) into words; writes
        /// each word's end index into wordEnds and returns the number of words (at most <paramref name="count"/>).
        /// </summary>
        public static int Split(int kind, int[] cps, byte[] classes, int count, int[] wordEnds)
        {
            int words = 0;
            if (kind == SmolLm)
            {
                int start = 0;
                for (int i = 0; i < count; i++)
                {
                    if (classes[i] != UnicodeClasses.Number) continue;
                    words = SplitGpt2(cps, classes, start, i, wordEnds, words);
                    wordEnds[words++] = i + 1;
                    start = i + 1;
                }
                return SplitGpt2(cps, classes, start, count, wordEnds, words);
            }
            if (kind == Llama3) return SplitLlama3(cps, classes, 0, count, wordEnds, words, 3);
            if (kind == Qwen2) return SplitLlama3(cps, classes, 0, count, wordEnds, words, 1);
            return SplitGpt2(cps, classes, 0, count, wordEnds, words);
        }

        private static bool Is(byte[] classes, int pos, int end, int cls)
        {
            return pos < end && classes[pos] == cls;
        }

        /// <summary>Neither white space, letter nor number (and inside the piece): what [^\s\p{L}\p{N}] matches.</summary>
        private static bool IsOther(byte[] classes, int pos, int end)
        {
            return pos < end && classes[pos] == UnicodeClasses.Other;
        }

        /// <summary>The length of 's 't 're 've 'm 'll 'd at pos (ASCII case folded when <paramref name="anyCase"/>), or 0.</summary>
        private static int Contraction(int[] cps, int pos, int end, bool anyCase)
        {
            if (cps[pos] != '\'' || pos + 1 >= end) return 0;
            int a = Fold(cps[pos + 1], anyCase);
            if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
            if (pos + 2 >= end) return 0;
            int b = Fold(cps[pos + 2], anyCase);
            return (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l') ? 3 : 0;
        }

        private static int Fold(int cp, bool anyCase)
        {
            return anyCase && cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
        }

        /// <summary>
        /// The end of the last alternatives, \s+(?!\S)|\s+, from pos: a run of white space leaves its last one to the next
        /// word when a non-space follows (at the end of the piece it takes all); no white space at all matches nothing,
        /// and the code point becomes a word of its own.
        /// </summary>
        private static int SpaceRunEnd(byte[] classes, int pos, int end)
        {
            int n = 0;
            while (Is(classes, pos + n, end, UnicodeClasses.Space)) n++;
            if (n == 0) return pos + 1;
            return n > 1 && pos + n < end ? pos + n - 1 : pos + n;
        }

        private static int SplitGpt2(int[] cps, byte[] classes, int from, int end, int[] wordEnds, int words)
        {
            int pos = from;
            while (pos < end)
            {
                int c = Contraction(cps, pos, end, false);
                if (c > 0)
                {
                    pos += c;
                    wordEnds[words++] = pos;
                    continue;
                }
                // " ?X+" for X = letters, numbers, or other (not space, letter, number)
                int at = cps[pos] == ' ' ? pos + 1 : pos;
                int cls = at < end ? classes[at] : -1;
                if (cls == UnicodeClasses.Letter || cls == UnicodeClasses.Number || cls == UnicodeClasses.Other)
                {
                    pos = at;
                    while (Is(classes, pos, end, cls)) pos++;
                    wordEnds[words++] = pos;
                    continue;
                }
                pos = SpaceRunEnd(classes, pos, end);
                wordEnds[words++] = pos;
            }
            return words;
        }

        /// <param name="maxDigits">Digits a word holds at most: 3 for Llama 3 (\p{N}{1,3}), 1 for Qwen2 (\p{N}).</param>
        private static int SplitLlama3(int[] cps, byte[] classes, int from, int end, int[] wordEnds, int words, int maxDigits)
        {
            int pos = from;
            while (pos < end)
            {
                int cp = cps[pos];
                int c = Contraction(cps, pos, end, true);
                if (c > 0)
                {
                    pos += c;
                    wordEnds[words++] = pos;
                    continue;
                }
                // [^\r\n\p{L}\p{N}]?\p{L}+
                if (cp != '\r' && cp != '\n' && classes[pos] != UnicodeClasses.Number
                    && (classes[pos] == UnicodeClasses.Letter || Is(classes, pos + 1, end, UnicodeClasses.Letter)))
                {
                    pos++;
                    while (Is(classes, pos, end, UnicodeClasses.Letter)) pos++;
                    wordEnds[words++] = pos;
                    continue;
                }
                // \p{N}{1,3} (Qwen2: \p{N})
                if (classes[pos] == UnicodeClasses.Number)
                {
                    int run = 0;
                    while (Is(classes, pos, end, UnicodeClasses.Number) && run < maxDigits) { pos++; run++; }
                    wordEnds[words++] = pos;
                    continue;
                }
                // " ?[^\s\p{L}\p{N}]+[\r\n]*"
                int at = cp == ' ' ? pos + 1 : pos;
                if (IsOther(classes, at, end))
                {
                    pos = at;
                    while (IsOther(classes, pos, end)) pos++;
                    while (pos < end && (cps[pos] == '\r' || cps[pos] == '\n')) pos++;
                    wordEnds[words++] = pos;
                    continue;
                }
                // \s*[\r\n]+ : white space up to and including its last line break
                int n = 0, lastBreak = -1;
                while (Is(classes, pos + n, end, UnicodeClasses.Space))
                {
                    if (cps[pos + n] == '\r' || cps[pos + n] == '\n') lastBreak = pos + n + 1;
                    n++;
                }
                if (lastBreak > 0)
                {
                    pos = lastBreak;
                    wordEnds[words++] = pos;
                    continue;
                }
                pos = SpaceRunEnd(classes, pos, end);
                wordEnds[words++] = pos;
            }
            return words;
        }
    }
}
