using EdgeTiny.Runtime.Format;

namespace EdgeTiny.Runtime.Protocol
{
    /// <summary>
    /// Writes a payload into a frame buffer allocated once (little-endian, bounds-checked). Running out of room throws
    /// <see cref="ProtocolException"/> with <see cref="ErrorCode.ReplyTooLarge"/>; nothing here allocates except
    /// strings longer than a third of the remaining room (their UTF-8 size is not known in advance on nanoFramework).
    /// </summary>
    public sealed class PayloadWriter
    {
        private byte[] _buffer;
        private int _start;
        private int _end;
        private int _pos;

        /// <summary>Starts writing at <paramref name="offset"/>, at most <paramref name="capacity"/> bytes.</summary>
        public void Reset(byte[] buffer, int offset, int capacity)
        {
            _buffer = buffer;
            _start = offset;
            _pos = offset;
            _end = offset + capacity;
        }

        /// <summary>Bytes written so far.</summary>
        public int Length { get { return _pos - _start; } }

        public int Remaining { get { return _end - _pos; } }

        public byte[] Buffer { get { return _buffer; } }

        private void Need(int n)
        {
            if (_end - _pos < n)
                throw new ProtocolException(ErrorCode.ReplyTooLarge, "payload needs more than " + (_end - _start).ToString() + " bytes");
        }

        public void WriteByte(int value)
        {
            Need(1);
            _buffer[_pos++] = (byte)value;
        }

        public void WriteUInt16(int value)
        {
            if (value < 0 || value > 0xFFFF) throw new System.ArgumentOutOfRangeException("value", "does not fit in 16 bits");
            Need(2);
            _buffer[_pos] = (byte)value;
            _buffer[_pos + 1] = (byte)(value >> 8);
            _pos += 2;
        }

        public void WriteInt32(int value)
        {
            Need(4);
            LittleEndian.WriteInt32(_buffer, _pos, value);
            _pos += 4;
        }

        public void WriteUInt32(uint value)
        {
            WriteInt32((int)value);
        }

        public void WriteInt64(long value)
        {
            Need(8);
            LittleEndian.WriteInt32(_buffer, _pos, (int)value);
            LittleEndian.WriteInt32(_buffer, _pos + 4, (int)(value >> 32));
            _pos += 8;
        }

        public void WriteUInt64(ulong value)
        {
            WriteInt64((long)value);
        }

        public void WriteSingle(float value)
        {
            WriteInt32(FloatBits.ToBits(value));
        }

        /// <summary>u16 byte count + UTF-8 bytes; null is written as the empty string.</summary>
        public void WriteString(string s)
        {
            if (s == null) s = "";
            int n;
            if (s.Length * 3 <= _end - _pos - 2)
            {
                n = System.Text.Encoding.UTF8.GetBytes(s, 0, s.Length, _buffer, _pos + 2);
            }
            else
            {
                byte[] bytes = System.Text.Encoding.UTF8.GetBytes(s);
                n = bytes.Length;
                Need(2 + n);
                System.Array.Copy(bytes, 0, _buffer, _pos + 2, n);
            }
            if (n > 0xFFFF) throw new ProtocolException(ErrorCode.ReplyTooLarge, "string of " + n.ToString() + " bytes");
            _buffer[_pos] = (byte)n;
            _buffer[_pos + 1] = (byte)(n >> 8);
            _pos += 2 + n;
        }

        /// <summary>u16 count + i32 each.</summary>
        public void WriteTokens(int[] tokens, int offset, int count)
        {
            Need(2 + 4 * count);
            WriteUInt16(count);
            for (int i = 0; i < count; i++)
            {
                LittleEndian.WriteInt32(_buffer, _pos, tokens[offset + i]);
                _pos += 4;
            }
        }

        /// <summary>Reserves a u16 to be filled in later with <see cref="PatchUInt16"/>; returns its position.</summary>
        public int ReserveUInt16()
        {
            Need(2);
            int at = _pos;
            _pos += 2;
            return at;
        }

        public void PatchUInt16(int at, int value)
        {
            _buffer[at] = (byte)value;
            _buffer[at + 1] = (byte)(value >> 8);
        }

        public void WriteBytes(byte[] source, int offset, int count)
        {
            Need(count);
            System.Array.Copy(source, offset, _buffer, _pos, count);
            _pos += count;
        }
    }
}
