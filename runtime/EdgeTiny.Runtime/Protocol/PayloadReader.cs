using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Runtime.Protocol
{
    /// <summary>
    /// Reads a payload from a received frame (little-endian, bounds-checked). Reading past its end throws
    /// <see cref="ProtocolException"/> with <see cref="ErrorCode.BadPayload"/> naming the field, so a truncated
    /// request gets an error reply instead of an IndexOutOfRange.
    /// </summary>
    public sealed class PayloadReader
    {
        private byte[] _buffer;
        private int _start;
        private int _end;
        private int _pos;

        public void Reset(byte[] buffer, int offset, int length)
        {
            _buffer = buffer;
            _start = offset;
            _pos = offset;
            _end = offset + length;
        }

        public int Length { get { return _end - _start; } }
        public int Remaining { get { return _end - _pos; } }

        private void Need(int n, string field)
        {
            if (_end - _pos < n)
                throw new ProtocolException(ErrorCode.BadPayload, "payload ends at byte " + (_pos - _start).ToString() + " of "
                    + Length.ToString() + " before '" + field + "' (" + n.ToString() + " bytes)");
        }

        /// <summary>Throws unless every byte was read (a longer payload than the command has fields is malformed too).</summary>
        public void End()
        {
            if (_pos != _end)
                throw new ProtocolException(ErrorCode.BadPayload, (_end - _pos).ToString() + " unexpected bytes after the last field");
        }

        public int ReadByte(string field)
        {
            Need(1, field);
            return _buffer[_pos++];
        }

        public int ReadUInt16(string field)
        {
            Need(2, field);
            int v = LittleEndian.ReadUInt16(_buffer, _pos);
            _pos += 2;
            return v;
        }

        public int ReadInt32(string field)
        {
            Need(4, field);
            int v = LittleEndian.ReadInt32(_buffer, _pos);
            _pos += 4;
            return v;
        }

        public uint ReadUInt32(string field)
        {
            return (uint)ReadInt32(field);
        }

        public long ReadInt64(string field)
        {
            Need(8, field);
            long v = LittleEndian.ReadInt64(_buffer, _pos);
            _pos += 8;
            return v;
        }

        public ulong ReadUInt64(string field)
        {
            return (ulong)ReadInt64(field);
        }

        public float ReadSingle(string field)
        {
            Need(4, field);
            float v = LittleEndian.ReadSingle(_buffer, _pos);
            _pos += 4;
            return v;
        }

        public string ReadString(string field)
        {
            int n = ReadUInt16(field);
            Need(n, field);
            string s = n == 0 ? "" : System.Text.Encoding.UTF8.GetString(_buffer, _pos, n);
            _pos += n;
            return s;
        }

        /// <summary>Byte count of the string at the current position (its u16 prefix), without moving.</summary>
        public int PeekStringBytes(string field)
        {
            Need(2, field);
            return LittleEndian.ReadUInt16(_buffer, _pos);
        }

        /// <summary>Reads a u16 count and that many i32 tokens into <paramref name="dest"/> (at most its length); returns the count.</summary>
        public int ReadTokens(int[] dest, string field)
        {
            int n = ReadUInt16(field);
            if (n > dest.Length)
                throw new ProtocolException(ErrorCode.BadArgument, field + ": " + n.ToString() + " tokens, at most " + dest.Length.ToString() + " fit");
            Need(4 * n, field);
            for (int i = 0; i < n; i++)
            {
                dest[i] = LittleEndian.ReadInt32(_buffer, _pos);
                _pos += 4;
            }
            return n;
        }

        /// <summary>Reads a u16 count and that many i32 tokens into a new array (client side).</summary>
        public int[] ReadTokenArray(string field)
        {
            int n = ReadUInt16(field);
            Need(4 * n, field);
            int[] t = new int[n];
            for (int i = 0; i < n; i++)
            {
                t[i] = LittleEndian.ReadInt32(_buffer, _pos);
                _pos += 4;
            }
            return t;
        }
    }
}
