// Checked against nanoframework/System.Text: nanoFramework.System.Text.nfproj (Decoder, Encoding, UTF8Decoder, UTF8Encoding),
// Tests/NFUnitTestEncoding/EncodingTests.cs, nanoframework/nf-interpreter src/CLR/CorLib/corlib_native_System_Text_UTF8Encoding.cpp,
// and the NETMF ancestor NETMF/netmf-interpreter Framework/Subset_of_CorLib/System/Text/{Encoding,UTF8Encoding}.cs.
// Only UTF-8 exists: no ASCII/Unicode encodings, no GetByteCount/GetCharCount, no GetString(byte[]) single-argument overload (unverified).
namespace System.Text
{
    public abstract class Encoding
    {
        public virtual byte[] GetBytes(string s) => throw null;
        public virtual int GetBytes(string s, int charIndex, int charCount, byte[] bytes, int byteIndex) => throw null;
        public virtual char[] GetChars(byte[] bytes) => throw null;
        public virtual char[] GetChars(byte[] bytes, int byteIndex, int byteCount) => throw null;
        public virtual string GetString(byte[] bytes, int index, int count) => throw null;
        public abstract Decoder GetDecoder();
        public static Encoding UTF8 => throw null;
    }

    public class UTF8Encoding : Encoding
    {
        public UTF8Encoding() { }
        public override byte[] GetBytes(string s) => throw null;
        public override int GetBytes(string s, int charIndex, int charCount, byte[] bytes, int byteIndex) => throw null;
        public override char[] GetChars(byte[] bytes) => throw null;
        public override char[] GetChars(byte[] bytes, int byteIndex, int byteCount) => throw null;
        public override Decoder GetDecoder() => throw null;
    }

    public abstract class Decoder
    {
        public virtual void Convert(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex, int charCount, bool flush,
            out int bytesUsed, out int charsUsed, out bool completed) => throw null;
    }
}
