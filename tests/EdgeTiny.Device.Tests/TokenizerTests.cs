#nullable disable
using EdgeTiny.Runtime.Text;
using nanoFramework.TestFramework;

namespace EdgeTiny.Device.Tests
{
    /// <summary>llama2.c's BPE on a tiny vocabulary built in memory (no file system needed on the emulator).</summary>
    [TestClass]
    public class TokenizerTests
    {
        // 0 <unk>, 1 <s>, 2 </s>, 3..258 byte fallbacks <0x00>..<0xFF>, then pieces and merges.
        private const int Space = 259, A = 260, B = 261, SpaceA = 262, AB = 263, SpaceAB = 264;

        private static Tokenizer Tiny()
        {
            string[] pieces = new string[265];
            float[] scores = new float[265];
            pieces[0] = "<unk>";
            pieces[1] = "\n<s>\n";
            pieces[2] = "\n</s>\n";
            for (int b = 0; b < 256; b++) pieces[3 + b] = "<0x" + b.ToString("X2") + ">";
            pieces[Space] = " ";
            pieces[A] = "a";
            pieces[B] = "b";
            pieces[SpaceA] = " a";
            pieces[AB] = "ab";
            pieces[SpaceAB] = " ab";
            scores[SpaceA] = -1f;
            scores[AB] = -2f;
            scores[SpaceAB] = -0.5f;
            return new Tokenizer(Section(pieces, scores));
        }

        /// <summary>The .etb tokenizer section: i32 vocab | i32 max token length | per token f32 score, i32 length, bytes.</summary>
        private static byte[] Section(string[] pieces, float[] scores)
        {
            int size = 8;
            int max = 0;
            byte[][] utf8 = new byte[pieces.Length][];
            for (int i = 0; i < pieces.Length; i++)
            {
                utf8[i] = System.Text.Encoding.UTF8.GetBytes(pieces[i]);
                size += 8 + utf8[i].Length;
                if (utf8[i].Length > max) max = utf8[i].Length;
            }
            byte[] s = new byte[size];
            Put(s, 0, pieces.Length);
            Put(s, 4, max);
            int at = 8;
            for (int i = 0; i < pieces.Length; i++)
            {
                byte[] f = System.BitConverter.GetBytes(scores[i]);
                System.Array.Copy(f, 0, s, at, 4);
                Put(s, at + 4, utf8[i].Length);
                System.Array.Copy(utf8[i], 0, s, at + 8, utf8[i].Length);
                at += 8 + utf8[i].Length;
            }
            return s;
        }

        private static void Put(byte[] b, int at, int v)
        {
            b[at] = (byte)v;
            b[at + 1] = (byte)(v >> 8);
            b[at + 2] = (byte)(v >> 16);
            b[at + 3] = (byte)(v >> 24);
        }

        [TestMethod]
        public void Merges_by_best_score_after_the_dummy_prefix()
        {
            Tokenizer t = Tiny();
            Assert.AreEqual(265, t.VocabSize);
            int[] tokens = new int[Tokenizer.MaxTokens(2)];
            int n = t.Encode("ab", true, false, tokens);
            Assert.AreEqual(2, n);
            Assert.AreEqual(Tokenizer.DefaultBos, tokens[0]);
            Assert.AreEqual(SpaceAB, tokens[1]);
        }

        [TestMethod]
        public void Unknown_characters_fall_back_to_byte_tokens()
        {
            Tokenizer t = Tiny();
            int[] tokens = new int[Tokenizer.MaxTokens(2)];
            int n = t.Encode("bz", false, false, tokens);
            Assert.AreEqual(3, n);
            Assert.AreEqual(Space, tokens[0]);
            Assert.AreEqual(B, tokens[1]);
            Assert.AreEqual(3 + 0x7A, tokens[2]); // 'z' is not a piece: its byte
        }

        [TestMethod]
        public void Decode_returns_the_piece_bytes()
        {
            Tokenizer t = Tiny();
            byte[] dest = new byte[16];
            int n = t.Decode(A, AB, dest, 0);
            Assert.AreEqual(2, n);
            Assert.AreEqual((byte)'a', dest[0]);
            Assert.AreEqual((byte)'b', dest[1]);
        }
    }
}
