namespace EdgeTiny.Runtime.Protocol
{
    /// <summary>
    /// Reads frames from a link into one buffer allocated at construction, and recovers from everything a byte stream
    /// can do wrong: garbage before a frame (skipped up to the next magic, reported once), a length above the max
    /// payload (reported, then skipped to the next magic), a bad CRC (that frame dropped), a frame that stops half-way
    /// (reported after <see cref="FrameTimeoutMs"/>), and a peer that goes away (the partial frame forgotten).
    /// Used by the device to read requests and by hosts to read replies.
    /// </summary>
    public sealed class FrameReader
    {
        /// <summary><see cref="Next"/>: the peer closed the link.</summary>
        public const int Closed = 0;
        /// <summary><see cref="Next"/>: a whole, valid frame is in <see cref="Buffer"/>.</summary>
        public const int Frame = 1;
        /// <summary><see cref="Next"/>: nothing arrived within the link's read timeout, and no frame is half-read.</summary>
        public const int Idle = 2;
        /// <summary><see cref="Next"/>: something malformed arrived; <see cref="Error"/> and <see cref="ErrorMessage"/> say what.</summary>
        public const int Malformed = 3;

        private readonly byte[] _buf;
        private readonly int _maxPayload;
        private IDeviceLink _link;
        private int _have;            // bytes of the current frame (or of the resync window) in _buf
        private bool _resync;         // skipping bytes until the next magic
        private bool _delivered;      // the last Next() returned a frame: its bytes go at the next call
        private long _frameStartTicks;

        /// <summary>How long the rest of a started frame may take to arrive.</summary>
        public int FrameTimeoutMs = 2000;

        // What the last Next() found.
        public int Kind;
        public uint RequestId;
        public int PayloadLength;
        public int Error;
        public string ErrorMessage;

        public FrameReader(int maxPayload)
        {
            if (maxPayload < DeviceProtocol.MinMaxPayload) throw new System.ArgumentOutOfRangeException("maxPayload");
            _maxPayload = maxPayload;
            _buf = new byte[FrameCodec.FrameBytes(maxPayload)];
        }

        /// <summary>The frame read by the last <see cref="Next"/> (payload at offset 16).</summary>
        public byte[] Buffer { get { return _buf; } }

        public int MaxPayload { get { return _maxPayload; } }

        /// <summary>Heap bytes this reader holds.</summary>
        public long HeldBytes { get { return Memory.MemoryLedger.ArrayCost(_buf.Length); } }

        /// <summary>Starts reading from a (new) link, forgetting any partial frame.</summary>
        public void Attach(IDeviceLink link)
        {
            _link = link;
            _have = 0;
            _resync = false;
            _delivered = false;
        }

        /// <summary>Reads until a frame, an error, a timeout with nothing pending, or the end of the link.</summary>
        public int Next()
        {
            Kind = 0;
            RequestId = 0;
            PayloadLength = 0;
            Error = 0;
            ErrorMessage = null;
            if (_delivered)
            {
                _delivered = false;
                _have = 0;
            }
            while (true)
            {
                int r = Fill(4);
                if (r != Frame) return r;
                if (!FrameCodec.HasMagic(_buf, 0))
                {
                    bool first = !_resync;
                    _resync = true;
                    Slide();
                    if (first) return Fail(ErrorCode.BadMagic, "frame does not start with \"EDTP\"; skipping to the next frame");
                    continue;
                }
                _resync = false;

                r = Fill(DeviceProtocol.HeaderBytes);
                if (r != Frame) return r;
                Kind = FrameCodec.Kind(_buf);
                RequestId = FrameCodec.RequestId(_buf);
                long length = FrameCodec.PayloadLength(_buf);
                if (length > _maxPayload)
                {
                    // The frame's end cannot be trusted: drop the header and skip to the next magic.
                    _have = 0;
                    _resync = true;
                    return Fail(ErrorCode.TooLarge, "payload length " + length.ToString() + " is above the max payload of "
                        + _maxPayload.ToString() + " bytes");
                }
                PayloadLength = (int)length;
                r = Fill(FrameCodec.FrameBytes(PayloadLength));
                if (r != Frame) return r;
                _delivered = true; // whatever follows, this frame's bytes are used up
                if (!FrameCodec.CrcMatches(_buf, PayloadLength))
                    return Fail(ErrorCode.BadCrc, "CRC32 mismatch: frame of " + PayloadLength.ToString() + " payload bytes dropped");
                int version = FrameCodec.Version(_buf);
                if (version < DeviceProtocol.MinVersion || version > DeviceProtocol.Version)
                    return Fail(ErrorCode.BadVersion, "protocol version " + version.ToString() + " is not spoken here (versions "
                        + DeviceProtocol.MinVersion.ToString() + ".." + DeviceProtocol.Version.ToString() + ")");
                int allowed = version >= 2 ? DeviceProtocol.FlagMore : 0;
                if ((FrameCodec.Flags(_buf) & ~allowed) != 0)
                    return Fail(ErrorCode.BadFlags, "flags 0x" + FrameCodec.Flags(_buf).ToString("X4") + " are not defined in version "
                        + version.ToString());
                return Frame;
            }
        }

        private int Fail(int code, string message)
        {
            Error = code;
            ErrorMessage = message;
            return Malformed;
        }

        /// <summary>Reads until <paramref name="target"/> bytes are in the buffer; returns Frame when they are.</summary>
        private int Fill(int target)
        {
            while (_have < target)
            {
                int n = _link.Read(_buf, _have, target - _have);
                if (n > 0)
                {
                    if (_have == 0) _frameStartTicks = System.DateTime.UtcNow.Ticks;
                    _have += n;
                    continue;
                }
                if (n == LinkRead.Closed)
                {
                    _have = 0;
                    _resync = false;
                    return Closed;
                }
                // Timed out: fine between frames (and while skipping garbage); a started frame has a deadline.
                if (_have == 0 || _resync) return Idle;
                long waitedMs = (System.DateTime.UtcNow.Ticks - _frameStartTicks) / 10000;
                if (waitedMs >= FrameTimeoutMs)
                {
                    int had = _have;
                    _have = 0;
                    _resync = true;
                    return Fail(ErrorCode.Incomplete, "frame stopped after " + had.ToString() + " of " + target.ToString()
                        + " bytes (nothing for " + waitedMs.ToString() + " ms)");
                }
            }
            return Frame;
        }

        /// <summary>Drops the first byte of the window and any bytes after it that cannot start a magic.</summary>
        private void Slide()
        {
            int from = 1;
            while (from < _have && !MagicPrefix(from)) from++;
            int keep = _have - from;
            if (keep > 0) System.Array.Copy(_buf, from, _buf, 0, keep);
            _have = keep;
        }

        private bool MagicPrefix(int at)
        {
            uint magic = DeviceProtocol.Magic;
            for (int i = 0; at + i < _have && i < 4; i++)
                if (_buf[at + i] != (byte)(magic >> (8 * i))) return false;
            return true;
        }
    }
}
