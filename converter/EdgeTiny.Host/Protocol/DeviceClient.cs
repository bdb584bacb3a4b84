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
            return Call(kind, null);
        }

        /// <summary>
        /// As <see cref="Call(int)"/>; progress frames (version 2, flag more) for the request are handed to
        /// <paramref name="progress"/> (their payload) until the final reply, which is returned.
        /// </summary>
        public PayloadReader Call(int kind, System.Action<PayloadReader> progress)
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
                if ((FrameCodec.Flags(frame) & DeviceProtocol.FlagMore) != 0)
                {
                    progress?.Invoke(_r);
                    deadline = System.DateTime.UtcNow.Ticks + (long)ReplyTimeoutMs * 10000; // each progress frame restarts the wait
                    continue;
                }
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

        /// <summary>Sends a file's bytes in chunks that fit the device's max payload; returns the bytes the device stored.</summary>
        public long Upload(byte[] data, int devicePayload, System.Action<long, long> progress = null)
        {
            int chunk = System.Math.Min(System.Math.Min(devicePayload, _maxPayload) - 16, 65535);
            long offset = 0, stored = 0;
            do
            {
                int n = (int)System.Math.Min(chunk, data.Length - offset);
                PayloadWriter w = Begin();
                w.WriteUInt32((uint)offset);
                w.WriteByte(offset + n >= data.Length ? DeviceProtocol.UploadLast : 0);
                w.WriteUInt16(n);
                w.WriteBytes(data, (int)offset, n);
                PayloadReader r = Call(DeviceProtocol.Upload);
                stored = r.ReadUInt32("stored");
                r.End();
                offset += n;
                progress?.Invoke(offset, data.Length);
            } while (offset < data.Length);
            return stored;
        }

        /// <summary>The tune request's payload (see DeviceServer): settings, then the text inline or "the uploaded text".</summary>
        public static void WriteTuneRequest(PayloadWriter w, EdgeTiny.Runtime.Training.TuneSettings s, bool resume, string inlineText, bool measure = false)
        {
            // Schedule settings only when they differ from what every version-2 board assumes (weight 1, constant rate).
            bool schedule = s.RehearsalWeight != 1f || s.LearningRateDecay;
            w.WriteByte((resume ? DeviceProtocol.TuneResume : 0) | (s.Adaptive ? DeviceProtocol.TuneAdaptive : 0)
                | (s.RehearsalDistill ? DeviceProtocol.TuneDistill : 0) | (measure ? DeviceProtocol.TuneMeasure : 0)
                | (schedule ? DeviceProtocol.TuneSchedule : 0));
            w.WriteUInt16(s.Window);
            w.WriteUInt16(s.Rank);
            w.WriteSingle(s.Alpha);
            w.WriteInt32(s.Steps);
            w.WriteSingle(s.LearningRate);
            w.WriteByte(s.Optimizer == EdgeTiny.Runtime.Training.OptimizerKind.Sgd ? 0 : 1);
            w.WriteSingle(s.ClipNorm);
            w.WriteUInt16(s.SequenceLength);
            w.WriteUInt64(s.Seed);
            w.WriteByte(s.RehearsalSteps);
            w.WriteUInt16(s.RehearsalSequences);
            w.WriteUInt16(s.BaseSequences);
            if (schedule)
            {
                w.WriteSingle(s.RehearsalWeight);
                w.WriteByte(s.LearningRateDecay ? DeviceProtocol.ScheduleLrDecay : 0);
            }
            if (inlineText == null) w.WriteByte(DeviceProtocol.TextUploaded);
            else
            {
                w.WriteByte(DeviceProtocol.TextInline);
                w.WriteString(inlineText);
            }
        }

        /// <summary>
        /// Tunes on the board (version 2); <paramref name="onStep"/> gets each progress frame. With <paramref name="measure"/>
        /// the board also reports held-out and base-domain loss before and after (<see cref="TuneReply.Measured"/>).
        /// </summary>
        public TuneReply Tune(EdgeTiny.Runtime.Training.TuneSettings s, bool resume, string inlineText, System.Action<TuneProgress> onStep,
            bool measure = false)
        {
            WriteTuneRequest(Begin(), s, resume, inlineText, measure);
            PayloadReader r = Call(DeviceProtocol.Tune, p =>
            {
                var progress = new TuneProgress
                {
                    Step = p.ReadInt32("step"), Steps = p.ReadInt32("steps"), Loss = p.ReadSingle("loss"), Microseconds = p.ReadInt64("µs"),
                };
                p.End();
                onStep?.Invoke(progress);
            });
            return TuneReply.Read(r, measure);
        }

        public SaveReply Save()
        {
            Begin();
            PayloadReader r = Call(DeviceProtocol.Save);
            var reply = new SaveReply { Generation = r.ReadUInt32("generation"), Bytes = r.ReadInt32("bytes"), Microseconds = r.ReadInt64("µs") };
            r.End();
            return reply;
        }

        /// <summary>Loads the newest adapters on the board's card; returns their generation.</summary>
        public uint LoadAdapters()
        {
            Begin();
            PayloadReader r = Call(DeviceProtocol.LoadAdapters);
            uint generation = r.ReadUInt32("generation");
            r.ReadUInt16("layers");
            r.ReadUInt16("rank");
            r.End();
            return generation;
        }

        public void ResetAdapters()
        {
            Begin();
            Call(DeviceProtocol.ResetAdapters).End();
        }

        public StatusReply Status()
        {
            Begin();
            return StatusReply.Read(Call(DeviceProtocol.Status));
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

        /// <summary>The generated tokens as text, decoded by the model's tokenizer (each piece after the token before it).</summary>
        public string Text(EdgeTiny.Runtime.Text.Tokenizer tokenizer)
        {
            var bytes = new System.Collections.Generic.List<byte>();
            var piece = new byte[tokenizer.MaxTokenLength + 1];
            int prev = PromptTokens.Length > 0 ? PromptTokens[PromptTokens.Length - 1] : tokenizer.Bos;
            foreach (int t in Tokens)
            {
                int n = tokenizer.Decode(prev, t, piece, 0);
                for (int i = 0; i < n; i++) bytes.Add(piece[i]);
                prev = t;
            }
            return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
        }

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

namespace EdgeTiny.Host.Protocol
{
    /// <summary>One tune progress frame: the step just done (1-based), its loss and time.</summary>
    public sealed class TuneProgress
    {
        public int Step;
        public int Steps;
        public float Loss;
        public long Microseconds;
    }

    /// <summary>The final tune reply.</summary>
    public sealed class TuneReply
    {
        public int Steps;
        public int TrainSequences;
        public int HeldOutSequences;
        public int TextTokens;
        public float FirstLoss;
        public float LastLoss;
        public long Microseconds;
        public long TuningPeakBytes;
        public long BudgetBytes;
        /// <summary>Whether the board measured (tune flag 8); then the four losses below are its figures, in nats per token.</summary>
        public bool Measured;
        public float HeldOutLossBefore, HeldOutLossAfter, BaseLossBefore, BaseLossAfter;

        public static TuneReply Read(PayloadReader r, bool measured)
        {
            var t = new TuneReply
            {
                Steps = r.ReadInt32("steps"), TrainSequences = r.ReadInt32("train sequences"), HeldOutSequences = r.ReadInt32("held-out sequences"),
                TextTokens = r.ReadInt32("text tokens"), FirstLoss = r.ReadSingle("first loss"), LastLoss = r.ReadSingle("last loss"),
                Microseconds = r.ReadInt64("µs"), TuningPeakBytes = r.ReadInt64("tuning peak"), BudgetBytes = r.ReadInt64("budget"),
            };
            if (measured)
            {
                t.Measured = true;
                t.HeldOutLossBefore = r.ReadSingle("held-out loss before");
                t.HeldOutLossAfter = r.ReadSingle("held-out loss after");
                t.BaseLossBefore = r.ReadSingle("base loss before");
                t.BaseLossAfter = r.ReadSingle("base loss after");
            }
            r.End();
            return t;
        }
    }

    public sealed class SaveReply
    {
        public uint Generation;
        public int Bytes;
        public long Microseconds;
    }

    /// <summary>The status reply: the adapters' state and the last tuning run.</summary>
    public sealed class StatusReply
    {
        public int Adapters;
        public uint Generation;
        public uint NewestOnCard;
        public int Layers;
        public int Rank;
        public int StepsDone;
        public int Steps;
        public float LastLoss;
        public long UploadedBytes;
        public int Context;
        public bool KvInt8;
        public long PeakBytes;
        public long BudgetBytes;

        public string State => Adapters switch
        {
            DeviceProtocol.AdaptersNone => "none",
            DeviceProtocol.AdaptersSaved => "saved",
            DeviceProtocol.AdaptersUnsaved => "tuned-unsaved",
            _ => Adapters.ToString(),
        };

        public static StatusReply Read(PayloadReader r)
        {
            var s = new StatusReply
            {
                Adapters = r.ReadByte("adapters"), Generation = r.ReadUInt32("generation"), NewestOnCard = r.ReadUInt32("newest on card"),
                Layers = r.ReadUInt16("layers"), Rank = r.ReadUInt16("rank"), StepsDone = r.ReadInt32("steps done"), Steps = r.ReadInt32("steps"),
                LastLoss = r.ReadSingle("last loss"), UploadedBytes = r.ReadUInt32("uploaded"), Context = r.ReadInt32("context"), KvInt8 = r.ReadByte("int8 KV") != 0,
                PeakBytes = r.ReadInt64("peak"), BudgetBytes = r.ReadInt64("budget"),
            };
            r.End();
            return s;
        }
    }
}
