using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Runtime.Diagnostics
{
    /// <summary>
    /// The self-check section ("selfcheck", kind <see cref="SectionKind.SelfCheck"/>): a few prompts, the greedy tokens the
    /// converter computed for them with <see cref="Kernels.PortableKernels"/> on the file as written, and the top-k logits at
    /// every generated position. <see cref="SelfTest"/> recomputes them on the board.
    ///
    /// Layout, version 1 (little-endian):
    ///   0 u8 version (1) | 1 u8 prompt count P (1..16) | 2 u8 new tokens per prompt N (1..64) | 3 u8 top-k K (1..16)
    ///   4 u32 vocabulary size of the model it was computed on
    ///   then P times: u16 prompt length L (1..256) | u16 generated G (1..N) | L × i32 prompt tokens (BOS first)
    ///                 | G × i32 greedy tokens | G × K × (i32 token id, f32 logit), largest logit first.
    /// A reader that does not know the version refuses the section (<see cref="ModelFormatException"/>) instead of
    /// misreading it; files without the section load as before.
    /// </summary>
    public sealed class SelfCheck
    {
        public const int Version = 1;
        public const int HeaderBytes = 8;
        public const int MaxPrompts = 16;
        public const int MaxNewTokens = 64;
        public const int MaxTopK = 16;
        public const int MaxPromptTokens = 256;

        public int VocabSize;
        public int NewTokens;
        public int TopK;
        /// <summary>Per prompt: its tokens, BOS first.</summary>
        public int[][] Prompts;
        /// <summary>Per prompt: the greedy tokens (each fed back as the next input).</summary>
        public int[][] Tokens;
        /// <summary>Per prompt: generated × K token ids, position by position, largest logit first.</summary>
        public int[][] TopIds;
        /// <summary>Per prompt: the logits of <see cref="TopIds"/>.</summary>
        public float[][] TopLogits;

        public int Count { get { return Prompts.Length; } }

        /// <summary>Bytes of the section for prompts of these lengths, each with <paramref name="newTokens"/> generated.</summary>
        public static int SizeOf(int[] promptLengths, int newTokens, int topK)
        {
            int bytes = HeaderBytes;
            for (int p = 0; p < promptLengths.Length; p++)
                bytes += 4 + 4 * promptLengths[p] + 4 * newTokens + 8 * newTokens * topK;
            return bytes;
        }

        public byte[] ToBytes()
        {
            int bytes = HeaderBytes;
            for (int p = 0; p < Prompts.Length; p++) bytes += 4 + 4 * Prompts[p].Length + 4 * Tokens[p].Length + 8 * TopIds[p].Length;
            byte[] b = new byte[bytes];
            b[0] = (byte)Version;
            b[1] = (byte)Prompts.Length;
            b[2] = (byte)NewTokens;
            b[3] = (byte)TopK;
            LittleEndian.WriteInt32(b, 4, VocabSize);
            int at = HeaderBytes;
            for (int p = 0; p < Prompts.Length; p++)
            {
                WriteUInt16(b, at, Prompts[p].Length);
                WriteUInt16(b, at + 2, Tokens[p].Length);
                at += 4;
                for (int i = 0; i < Prompts[p].Length; i++, at += 4) LittleEndian.WriteInt32(b, at, Prompts[p][i]);
                for (int i = 0; i < Tokens[p].Length; i++, at += 4) LittleEndian.WriteInt32(b, at, Tokens[p][i]);
                for (int i = 0; i < TopIds[p].Length; i++, at += 8)
                {
                    LittleEndian.WriteInt32(b, at, TopIds[p][i]);
                    LittleEndian.WriteInt32(b, at + 4, FloatBits.ToBits(TopLogits[p][i]));
                }
            }
            return b;
        }

        /// <summary>Parses a section; an unknown version, a wrong length or a token outside the vocabulary is a format error.</summary>
        public static SelfCheck Parse(byte[] b, int vocabSize)
        {
            if (b.Length < HeaderBytes) throw Bad(b.Length.ToString() + " bytes is shorter than its " + HeaderBytes.ToString() + "-byte header");
            if (b[0] != Version)
                throw Bad("version " + b[0].ToString() + " is not supported (this runtime reads version " + Version.ToString() + ")");
            int count = b[1];
            int n = b[2];
            int k = b[3];
            if (count < 1 || count > MaxPrompts || n < 1 || n > MaxNewTokens || k < 1 || k > MaxTopK)
                throw Bad("header out of range: " + count.ToString() + " prompts, " + n.ToString() + " tokens, top-" + k.ToString());
            int vocab = LittleEndian.ReadInt32(b, 4);
            if (vocab != vocabSize)
                throw Bad("computed for a vocabulary of " + vocab.ToString() + " tokens, the model has " + vocabSize.ToString());
            SelfCheck c = new SelfCheck();
            c.VocabSize = vocab;
            c.NewTokens = n;
            c.TopK = k;
            c.Prompts = new int[count][];
            c.Tokens = new int[count][];
            c.TopIds = new int[count][];
            c.TopLogits = new float[count][];
            int at = HeaderBytes;
            for (int p = 0; p < count; p++)
            {
                if (at + 4 > b.Length) throw Bad("truncated in check " + (p + 1).ToString());
                int len = LittleEndian.ReadUInt16(b, at);
                int gen = LittleEndian.ReadUInt16(b, at + 2);
                at += 4;
                if (len < 1 || len > MaxPromptTokens || gen < 1 || gen > n)
                    throw Bad("check " + (p + 1).ToString() + ": " + len.ToString() + " prompt tokens, " + gen.ToString() + " generated");
                if ((long)at + 4L * len + 4L * gen + 8L * gen * k > b.Length) throw Bad("truncated in check " + (p + 1).ToString());
                c.Prompts[p] = new int[len];
                c.Tokens[p] = new int[gen];
                c.TopIds[p] = new int[gen * k];
                c.TopLogits[p] = new float[gen * k];
                for (int i = 0; i < len; i++, at += 4) c.Prompts[p][i] = Token(b, at, vocab, p);
                for (int i = 0; i < gen; i++, at += 4) c.Tokens[p][i] = Token(b, at, vocab, p);
                for (int i = 0; i < gen * k; i++, at += 8)
                {
                    c.TopIds[p][i] = Token(b, at, vocab, p);
                    c.TopLogits[p][i] = LittleEndian.ReadSingle(b, at + 4);
                }
            }
            if (at != b.Length) throw Bad((b.Length - at).ToString() + " bytes left over after " + count.ToString() + " checks");
            return c;
        }

        private static int Token(byte[] b, int at, int vocab, int check)
        {
            int t = LittleEndian.ReadInt32(b, at);
            if (t < 0 || t >= vocab) throw Bad("check " + (check + 1).ToString() + ": token " + t.ToString() + " is outside the vocabulary");
            return t;
        }

        private static void WriteUInt16(byte[] b, int at, int value)
        {
            b[at] = (byte)value;
            b[at + 1] = (byte)(value >> 8);
        }

        private static ModelFormatException Bad(string problem)
        {
            return new ModelFormatException("self-check section: " + problem);
        }
    }
}
