// Moved from the runtime core (no nullable annotations there): its API stays nullable-oblivious, as callers have always seen it.
#nullable disable

using EdgeTiny.Runtime.Protocol;

namespace EdgeTiny.Host.Protocol
{
    /// <summary>An error reply from the device: <see cref="ProtocolException.Code"/> and the device's message.</summary>
    public sealed class DeviceErrorException : ProtocolException
    {
        /// <summary>The command the device says failed.</summary>
        public readonly int FailedKind;

        public DeviceErrorException(int code, int failedKind, string message)
            : base(code, ErrorCode.Name(code) + ": " + message)
        {
            FailedKind = failedKind;
        }
    }

    /// <summary>
    /// The host side of the protocol: sends one request, waits for its reply. Typed calls (<see cref="Hello"/>,
    /// <see cref="Generate"/>…) decode the replies documented on <see cref="DeviceServer"/>; <see cref="Call"/> sends
    /// any frame (tests use it for unknown commands). An error reply throws <see cref="DeviceErrorException"/>.
    /// </summary>
    public sealed class DeviceClient
    {
        private readonly IDeviceLink _link;
        private readonly FrameReader _reader;
        private readonly byte[] _tx;
        private readonly int _maxPayload;
        private readonly PayloadWriter _w = new PayloadWriter();
        private readonly PayloadReader _r = new PayloadReader();
        private uint _nextId = 1;

        /// <summary>Give up on a reply after this long (a generate on a slow board takes a while).</summary>
        public int ReplyTimeoutMs = 120000;

        public DeviceClient(IDeviceLink link, int maxPayload)
        {
            _link = link;
            _maxPayload = maxPayload;
            _reader = new FrameReader(maxPayload);
            _reader.Attach(link);
            _tx = new byte[FrameCodec.FrameBytes(maxPayload)];
        }

        /// <summary>Where to write the next request's payload.</summary>
        public PayloadWriter Begin()
        {
            _w.Reset(_tx, DeviceProtocol.HeaderBytes, _maxPayload);
            return _w;
        }

        /// <summary>
        /// Sends the payload written since <see cref="Begin"/> as a <paramref name="kind"/> request and returns the reply's
        /// payload. Throws <see cref="DeviceErrorException"/> for an error reply, <see cref="ProtocolException"/> for a
        /// reply that is malformed or not the one expected, System.IO.IOException when the link closes or times out.
        /// </summary>
        public PayloadReader Call(int kind)
        {
            uint id = _nextId++;
            int n = FrameCodec.Seal(_tx, kind, id, _w.Length);
            _link.Write(_tx, 0, n);
            long deadline = System.DateTime.UtcNow.Ticks + (long)ReplyTimeoutMs * 10000;
            while (true)
            {
                int r = _reader.Next();
                if (r == FrameReader.Closed) throw new System.IO.IOException("the device closed the link before replying to " + DeviceProtocol.KindName(kind));
                if (r == FrameReader.Idle)
                {
                    if (System.DateTime.UtcNow.Ticks > deadline)
                        throw new System.IO.IOException("no reply to " + DeviceProtocol.KindName(kind) + " within " + ReplyTimeoutMs.ToString() + " ms");
                    continue;
                }
                if (r == FrameReader.Malformed)
                    throw new ProtocolException(_reader.Error, "malformed reply: " + _reader.ErrorMessage);
                byte[] frame = _reader.Buffer;
                if (_reader.RequestId != id)
                    throw new ProtocolException(ErrorCode.BadPayload, "reply to request " + _reader.RequestId.ToString() + ", expected " + id.ToString());
                _r.Reset(frame, DeviceProtocol.HeaderBytes, _reader.PayloadLength);
                if (_reader.Kind == DeviceProtocol.Error)
                {
                    int code = _r.ReadUInt16("error code");
                    int failed = _r.ReadByte("failed kind");
                    _r.ReadByte("reserved");
                    throw new DeviceErrorException(code, failed, _r.ReadString("message"));
                }
                if (_reader.Kind != (kind | DeviceProtocol.ReplyBit))
                    throw new ProtocolException(ErrorCode.BadPayload, "got a " + DeviceProtocol.KindName(_reader.Kind) + " to a " + DeviceProtocol.KindName(kind));
                return _r;
            }
        }

        public HelloReply Hello()
        {
            Begin();
            return HelloReply.Read(Call(DeviceProtocol.Hello));
        }

        public GenerateReply Generate(int[] promptTokens, int steps, float temperature, float topP, ulong seed)
        {
            PayloadWriter w = Begin();
            w.WriteByte(DeviceProtocol.PromptTokens);
            w.WriteTokens(promptTokens, 0, promptTokens.Length);
            WriteSampling(w, steps, temperature, topP, seed);
            return GenerateReply.Read(Call(DeviceProtocol.Generate));
        }

        public GenerateReply GenerateText(string prompt, int steps, float temperature, float topP, ulong seed)
        {
            PayloadWriter w = Begin();
            w.WriteByte(DeviceProtocol.PromptText);
            w.WriteString(prompt);
            WriteSampling(w, steps, temperature, topP, seed);
            return GenerateReply.Read(Call(DeviceProtocol.Generate));
        }

        private static void WriteSampling(PayloadWriter w, int steps, float temperature, float topP, ulong seed)
        {
            w.WriteUInt16(steps);
            w.WriteSingle(temperature);
            w.WriteSingle(topP);
            w.WriteUInt64(seed);
        }

        public LogitsReply Logits(int[] tokens, int k)
        {
            PayloadWriter w = Begin();
            w.WriteTokens(tokens, 0, tokens.Length);
            w.WriteByte(k);
            return LogitsReply.Read(Call(DeviceProtocol.Logits));
        }

        public StatsReply Stats(bool reset)
        {
            PayloadWriter w = Begin();
            w.WriteByte(reset ? DeviceProtocol.StatsReset : 0);
            return StatsReply.Read(Call(DeviceProtocol.Stats));
        }
    }

    public sealed class HelloReply
    {
        public int ProtocolVersion;
        public int MaxPayload;
        public string BoardId;
        public string FirmwareVersion;
        public string ModelSourceSha256;
        public uint ModelCrc;
        public long ModelBytes;
        public int Dim, HiddenDim, Layers, Heads, KvHeads, VocabSize, SeqLen;
        public int Context;
        public bool KvInt8;
        public long BudgetBytes;
        public long PeakBytes;
        public long ProtocolBytes;

        public static HelloReply Read(PayloadReader r)
        {
            HelloReply h = new HelloReply();
            h.ProtocolVersion = r.ReadUInt16("protocol version");
            h.MaxPayload = r.ReadInt32("max payload");
            h.BoardId = r.ReadString("board id");
            h.FirmwareVersion = r.ReadString("firmware version");
            h.ModelSourceSha256 = r.ReadString("model sha256");
            h.ModelCrc = r.ReadUInt32("model crc");
            h.ModelBytes = r.ReadInt64("model bytes");
            h.Dim = r.ReadInt32("dim");
            h.HiddenDim = r.ReadInt32("hidden dim");
            h.Layers = r.ReadInt32("layers");
            h.Heads = r.ReadInt32("heads");
            h.KvHeads = r.ReadInt32("kv heads");
            h.VocabSize = r.ReadInt32("vocab");
            h.SeqLen = r.ReadInt32("seq len");
            h.Context = r.ReadInt32("context");
            h.KvInt8 = r.ReadByte("kv int8") != 0;
            h.BudgetBytes = r.ReadInt64("budget");
            h.PeakBytes = r.ReadInt64("peak");
            h.ProtocolBytes = r.ReadInt64("protocol bytes");
            r.End();
            return h;
        }
    }

    public sealed class GenerateReply
    {
        public int StopReason;
        public int[] PromptTokens;
        public int[] Tokens;
        public int ForwardPasses;
        public long MeasuredMicroseconds;
        /// <summary>Simulated SD time of this request (ns), or -1 when the device has no simulated storage.</summary>
        public long SimulatedNanoseconds;

        public static GenerateReply Read(PayloadReader r)
        {
            GenerateReply g = new GenerateReply();
            g.StopReason = r.ReadByte("stop reason");
            g.PromptTokens = r.ReadTokenArray("prompt tokens");
            g.Tokens = r.ReadTokenArray("tokens");
            g.ForwardPasses = r.ReadInt32("forward passes");
            g.MeasuredMicroseconds = r.ReadInt64("measured us");
            g.SimulatedNanoseconds = r.ReadInt64("simulated ns");
            r.End();
            return g;
        }
    }

    public sealed class LogitsReply
    {
        public int Positions;
        public int K;
        /// <summary>Position p's i-th largest logit is at [p * K + i].</summary>
        public int[] Tokens;
        public float[] Values;
        public long MeasuredMicroseconds;

        public static LogitsReply Read(PayloadReader r)
        {
            LogitsReply l = new LogitsReply();
            l.Positions = r.ReadUInt16("positions");
            l.K = r.ReadByte("k");
            int n = l.Positions * l.K;
            l.Tokens = new int[n];
            l.Values = new float[n];
            for (int i = 0; i < n; i++)
            {
                l.Tokens[i] = r.ReadInt32("token");
                l.Values[i] = r.ReadSingle("logit");
            }
            l.MeasuredMicroseconds = r.ReadInt64("measured us");
            r.End();
            return l;
        }
    }

    public sealed class StatsReply
    {
        public int ForwardPasses;
        public int Requests;
        public int Errors;
        public long Reads;
        public long Bytes;
        /// <summary>Simulated SD time (ns), or -1 when the device has no simulated storage.</summary>
        public long SimulatedNanoseconds;
        public long MeasuredMicroseconds;
        public long CacheHits;
        public long CacheMisses;
        public long AccountedBytes;
        public long PeakBytes;
        public long BudgetBytes;
        public long ProtocolBytes;

        public static StatsReply Read(PayloadReader r)
        {
            StatsReply s = new StatsReply();
            s.ForwardPasses = r.ReadInt32("forward passes");
            s.Requests = r.ReadInt32("requests");
            s.Errors = r.ReadInt32("errors");
            s.Reads = r.ReadInt64("reads");
            s.Bytes = r.ReadInt64("bytes");
            s.SimulatedNanoseconds = r.ReadInt64("simulated ns");
            s.MeasuredMicroseconds = r.ReadInt64("measured us");
            s.CacheHits = r.ReadInt64("cache hits");
            s.CacheMisses = r.ReadInt64("cache misses");
            s.AccountedBytes = r.ReadInt64("accounted");
            s.PeakBytes = r.ReadInt64("peak");
            s.BudgetBytes = r.ReadInt64("budget");
            s.ProtocolBytes = r.ReadInt64("protocol bytes");
            r.End();
            return s;
        }

        /// <summary>Simulated SD µs per forward pass (0 without simulated storage or passes).</summary>
        public double SimulatedMicrosecondsPerToken
        {
            get { return SimulatedNanoseconds <= 0 || ForwardPasses == 0 ? 0 : SimulatedNanoseconds / 1000.0 / ForwardPasses; }
        }

        public double MeasuredMicrosecondsPerToken
        {
            get { return ForwardPasses == 0 ? 0 : (double)MeasuredMicroseconds / ForwardPasses; }
        }
    }
}
