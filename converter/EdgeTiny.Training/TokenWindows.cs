using EdgeTiny.Training.Corpus;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Training;

/// <summary>
/// Training text as llama2.c pretokenizes TinyStories: every story is encoded with a leading BOS and the stories
/// are concatenated into one stream, which is cut into windows of seq_len tokens that overlap by one token (so every
/// token after the first is predicted exactly once). The model thus also learns to end a story by predicting BOS.
/// </summary>
public static class TokenWindows
{
    public static List<int[]> Cut(IEnumerable<string> stories, Tokenizer tokenizer, int seqLen)
    {
        var stream = new List<int>();
        int[] buffer = new int[1024];
        foreach (string story in stories)
        {
            int need = Tokenizer.MaxTokens(System.Text.Encoding.UTF8.GetByteCount(story));
            if (need > buffer.Length) buffer = new int[need];
            int n = tokenizer.Encode(story, true, false, buffer);
            stream.AddRange(buffer.AsSpan(0, n));
        }
        var windows = new List<int[]>();
        for (int at = 0; at + 1 < stream.Count; at += seqLen - 1)
            windows.Add([.. stream.GetRange(at, Math.Min(seqLen, stream.Count - at))]);
        return windows;
    }

    /// <summary>A fixed visiting order over <paramref name="count"/> windows: a new seeded shuffle every epoch.</summary>
    public sealed class Order(int count, ulong seed)
    {
        private readonly int[] _perm = [.. Enumerable.Range(0, count)];
        private readonly StoryRandom _rng = new(seed);
        private int _next = count;

        public int Next()
        {
            if (_next == _perm.Length)
            {
                for (int i = _perm.Length - 1; i > 0; i--)
                {
                    int j = _rng.Next(i + 1);
                    (_perm[i], _perm[j]) = (_perm[j], _perm[i]);
                }
                _next = 0;
            }
            return _perm[_next++];
        }
    }
}
