using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;

namespace EdgeTiny.Runtime.Protocol
{
    /// <summary>What a device says about itself in its hello reply.</summary>
    public sealed class DeviceInfo
    {
        public string BoardId;
        public string FirmwareVersion;

        public DeviceInfo(string boardId, string firmwareVersion)
        {
            BoardId = boardId;
            FirmwareVersion = firmwareVersion;
        }
    }

    /// <summary>
    /// The firmware's main loop: serves the device protocol (<see cref="DeviceProtocol"/>) over any
    /// <see cref="IDeviceLink"/> with one opened model. Frame buffers, the prompt buffer and the top-k buffers are
    /// allocated once here; generation allocates nothing per token (the nucleus sampler is built on the first sampled
    /// request and reset with each request's settings and seed after that). Malformed frames get an error reply and the
    /// loop goes on.
    ///
    /// Commands (request payload → reply payload):
    /// <list type="bullet">
    /// <item>hello: (empty) → u16 protocol version | u32 max payload | string board id | string firmware version |
    ///   string model source sha256 | u32 CRC32 of the .etb header's bytes 0..59 | i64 file bytes | u32 dim, hidden dim, layers, heads,
    ///   kv heads, vocab, seq len | u32 context | u8 int8 KV | i64 budget bytes | i64 accounted peak bytes | i64 protocol bytes</item>
    /// <item>generate: u8 prompt kind (0 tokens, 1 text) | tokens or string | u16 steps | f32 temperature | f32 top-p |
    ///   u64 seed → u8 stop reason | tokens prompt | tokens generated | u32 forward passes | i64 measured µs | i64 simulated SD ns (-1: none)</item>
    /// <item>logits: tokens (teacher-forced, BOS first) | u8 k → u16 positions | u8 k | per position k × (i32 token | f32 logit),
    ///   largest first | i64 measured µs</item>
    /// <item>tune, save: → error not-supported (on-device tuning is not in this firmware yet)</item>
    /// <item>stats: [u8 flags: 1 = reset after reading] → u32 forward passes | u32 requests | u32 error replies | i64 reads |
    ///   i64 bytes | i64 simulated SD ns (-1: none) | i64 measured µs | i64 cache hits | i64 cache misses |
    ///   i64 accounted bytes | i64 accounted peak | i64 budget | i64 protocol bytes</item>
    /// </list>
    /// </summary>
    public sealed class DeviceServer
    {
        private readonly EtbModel _model;
        private readonly Transformer _transformer;
        private readonly IKernels _kernels;
        private readonly DeviceInfo _info;
        private readonly int _maxPayload;
        private readonly FrameReader _reader;
        private readonly byte[] _tx;
        private readonly PayloadWriter _w = new PayloadWriter();
        private readonly PayloadReader _r = new PayloadReader();
        private readonly int[] _prompt;
        private readonly int[] _topToken = new int[DeviceProtocol.MaxTopK];
        private readonly float[] _topValue = new float[DeviceProtocol.MaxTopK];
        private readonly Generator _greedy;
        private Sampler _sampling;      // built on the first sampled request, then reset per request (no allocation)
        private Generator _sampled;
        private readonly string _sourceSha;
        /// <summary>The samplers' buffers: the protocol's own, kept apart from the model's planned ledger.</summary>
        private readonly Memory.MemoryLedger _ownBuffers = new Memory.MemoryLedger();
        private readonly uint _etbCrc;
        private IDeviceLink _link;
        private int _stop;

        // Counters since start (or the last stats reset).
        private int _passes;
        private int _requests;
        private int _errors;
        private long _measuredTicks;
        private int _lastGenerated;
        private long _lastGenerateTicks;

        public DeviceServer(EtbModel model, Transformer transformer, IKernels kernels, DeviceInfo info, int maxPayload)
        {
            if (maxPayload < DeviceProtocol.MinMaxPayload) throw new System.ArgumentOutOfRangeException("maxPayload", "at least " + DeviceProtocol.MinMaxPayload.ToString());
            _model = model;
            _transformer = transformer;
            _kernels = kernels;
            _info = info;
            _maxPayload = maxPayload;
            _reader = new FrameReader(maxPayload);
            _tx = new byte[FrameCodec.FrameBytes(maxPayload)];
            _prompt = new int[transformer.ContextLength];
            _greedy = new Generator(transformer, new Sampler(model.Config.VocabSize, 0f, 0f, 1, kernels, _ownBuffers));
            _sourceSha = ManifestString(model.Manifest, "sha256");

            _etbCrc = ModelFingerprint(model.Device);
            ResetCounters();
        }

        /// <summary>Read timeout for a started frame (ms).</summary>
        public int FrameTimeoutMs
        {
            get { return _reader.FrameTimeoutMs; }
            set { _reader.FrameTimeoutMs = value; }
        }

        public int MaxPayload { get { return _maxPayload; } }

        /// <summary>The model file's fingerprint (<see cref="ModelFingerprint"/>), as hello reports it.</summary>
        public uint ModelCrc { get { return _etbCrc; } }

        public string ModelSourceSha256 { get { return _sourceSha; } }

        /// <summary>Heap bytes the protocol holds (both frame buffers, prompt and top-k buffers).</summary>
        public long HeldBytes
        {
            get
            {
                return _reader.HeldBytes + Memory.MemoryLedger.ArrayCost(_tx.Length) + Memory.MemoryLedger.ArrayCost(_prompt.Length * 4L)
                    + 2 * Memory.MemoryLedger.ArrayCost(DeviceProtocol.MaxTopK * 4L);
            }
        }

        public int RequestsServed { get { return _requests; } }

        /// <summary>Tokens the last generate request produced, and the microseconds it took (a status display's tokens/s).</summary>
        public int LastGenerated { get { return _lastGenerated; } }
        public long LastGenerateMicroseconds { get { return _lastGenerateTicks / 10; } }

        /// <summary>Told about every request (null: nobody listens).</summary>
        public IDeviceObserver Observer;
        public int ErrorsSent { get { return _errors; } }

        /// <summary>Asks <see cref="Serve"/> to return at its next read timeout (callable from another thread).</summary>
        public void Stop()
        {
            System.Threading.Interlocked.Exchange(ref _stop, 1);
        }

        public bool StopRequested { get { return System.Threading.Interlocked.CompareExchange(ref _stop, 0, 0) != 0; } }

        /// <summary>
        /// Serves one link until the peer goes away (returns true: serve the next one) or <see cref="Stop"/> is called
        /// (returns false). Never throws for anything the peer sends.
        /// </summary>
        public bool Serve(IDeviceLink link)
        {
            _link = link;
            _reader.Attach(link);
            try
            {
                while (true)
                {
                    if (StopRequested) return false;
                    int r = _reader.Next();
                    if (r == FrameReader.Closed) return true;
                    if (r == FrameReader.Idle) continue;
                    if (r == FrameReader.Malformed)
                    {
                        SendError(_reader.RequestId, _reader.Kind, _reader.Error, _reader.ErrorMessage);
                        if (Observer != null) Observer.FrameRejected(_reader.Error);
                        continue;
                    }
                    Handle(_reader.Kind, _reader.RequestId, _reader.PayloadLength);
                }
            }
            catch (System.IO.IOException)
            {
                return true; // the link broke mid-read or mid-write: drop this peer
            }
            finally
            {
                _link = null;
            }
        }

        /// <summary>Runs one request frame already in the reader's buffer and sends the reply.</summary>
        private void Handle(int kind, uint requestId, int payloadLength)
        {
            _requests++;
            if (Observer != null) Observer.RequestStarted(kind);
            _r.Reset(_reader.Buffer, DeviceProtocol.HeaderBytes, payloadLength);
            _w.Reset(_tx, DeviceProtocol.HeaderBytes, _maxPayload);
            try
            {
                switch (kind)
                {
                    case DeviceProtocol.Hello: Hello(); break;
                    case DeviceProtocol.Generate: Generate(); break;
                    case DeviceProtocol.Logits: Logits(); break;
                    case DeviceProtocol.Stats: Stats(); break;
                    case DeviceProtocol.Tune:
                    case DeviceProtocol.Save:
                        throw new ProtocolException(ErrorCode.NotSupported, DeviceProtocol.KindName(kind)
                            + " is not supported by this firmware (" + _info.FirmwareVersion + "): on-device tuning is not built in yet");
                    default:
                        throw new ProtocolException(ErrorCode.UnknownCommand, "unknown command " + DeviceProtocol.KindName(kind));
                }
            }
            catch (ProtocolException e)
            {
                SendError(requestId, kind, e.Code, e.Message);
                if (Observer != null) Observer.RequestFinished(kind, e.Code);
                return;
            }
            catch (System.IO.IOException)
            {
                throw; // the link, not the request
            }
            catch (System.Exception e)
            {
                SendError(requestId, kind, ErrorCode.Internal, e.Message);
                if (Observer != null) Observer.RequestFinished(kind, ErrorCode.Internal);
                return;
            }
            int n = FrameCodec.Seal(_tx, kind | DeviceProtocol.ReplyBit, requestId, _w.Length);
            _link.Write(_tx, 0, n);
            if (Observer != null) Observer.RequestFinished(kind, 0);
        }

        private void SendError(uint requestId, int kind, int code, string message)
        {
            _errors++;
            int n = FrameCodec.SealError(_tx, _w, _maxPayload, requestId, kind, code, message);
            _link.Write(_tx, 0, n);
        }

        private void Hello()
        {
            _r.End();
            ModelConfig c = _model.Config;
            _w.WriteUInt16(DeviceProtocol.Version);
            _w.WriteInt32(_maxPayload);
            _w.WriteString(_info.BoardId);
            _w.WriteString(_info.FirmwareVersion);
            _w.WriteString(_sourceSha);
            _w.WriteUInt32(_etbCrc);
            _w.WriteInt64(_model.Device.Length);
            _w.WriteInt32(c.Dim);
            _w.WriteInt32(c.HiddenDim);
            _w.WriteInt32(c.Layers);
            _w.WriteInt32(c.Heads);
            _w.WriteInt32(c.KvHeads);
            _w.WriteInt32(c.VocabSize);
            _w.WriteInt32(c.SeqLen);
            _w.WriteInt32(_transformer.ContextLength);
            _w.WriteByte(_transformer.KvInt8 ? 1 : 0);
            _w.WriteInt64(_model.Options.BudgetBytes);
            _w.WriteInt64(_model.Ledger.PeakBytes);
            _w.WriteInt64(HeldBytes);
        }

        private void Generate()
        {
            int promptKind = _r.ReadByte("prompt kind");
            int count;
            if (promptKind == DeviceProtocol.PromptTokens)
            {
                count = _r.ReadTokens(_prompt, "prompt tokens");
                CheckTokens(_prompt, count, "prompt tokens");
            }
            else if (promptKind == DeviceProtocol.PromptText)
            {
                int bytes = _r.PeekStringBytes("prompt text");
                string text = _r.ReadString("prompt text");
                int[] encoded = new int[Tokenizer.MaxTokens(bytes)];
                count = _model.Tokenizer.Encode(text, true, false, encoded);
                if (count > _prompt.Length)
                    throw new ProtocolException(ErrorCode.BadArgument, "prompt text encodes to " + count.ToString() + " tokens; the context holds "
                        + _prompt.Length.ToString());
                System.Array.Copy(encoded, _prompt, count);
            }
            else throw new ProtocolException(ErrorCode.BadPayload, "prompt kind " + promptKind.ToString() + " is not 0 (tokens) or 1 (text)");
            int steps = _r.ReadUInt16("steps");
            float temperature = _r.ReadSingle("temperature");
            float topP = _r.ReadSingle("top-p");
            ulong seed = _r.ReadUInt64("seed");
            _r.End();

            if (count < 1) throw new ProtocolException(ErrorCode.BadArgument, "the prompt needs at least one token (BOS)");
            if (float.IsNaN(temperature) || float.IsInfinity(temperature) || temperature < 0f)
                throw new ProtocolException(ErrorCode.BadArgument, "temperature must be a number >= 0");
            if (float.IsNaN(topP)) throw new ProtocolException(ErrorCode.BadArgument, "top-p must be a number");
            int need = 1 + 2 + 4 * count + 2 + 4 * steps + 4 + 8 + 8;
            if (need > _maxPayload)
                throw new ProtocolException(ErrorCode.BadArgument, steps.ToString() + " steps need a reply of " + need.ToString()
                    + " bytes; the max payload is " + _maxPayload.ToString());

            Generator g = _greedy;
            if (temperature > 0f)
            {
                if (_sampling == null)
                {
                    // Nucleus-sized buffers once, so any later temperature / top-p / seed reuses them.
                    _sampling = new Sampler(_model.Config.VocabSize, 1f, 0.5f, seed, _kernels, _ownBuffers);
                    _sampled = new Generator(_transformer, _sampling);
                }
                _sampling.Reset(temperature, topP, seed);
                g = _sampled;
            }

            _w.WriteByte(0); // stop reason, patched below
            _w.WriteTokens(_prompt, 0, count);
            int countAt = _w.ReserveUInt16();
            long simulatedBefore = _model.Storage != null ? _model.Storage.SimulatedNanoseconds : 0;
            long start = System.DateTime.UtcNow.Ticks;
            g.Start(_prompt, count, steps);
            int generated = 0;
            for (int t = g.Next(); t >= 0; t = g.Next())
            {
                _w.WriteInt32(t);
                generated++;
            }
            long ticks = System.DateTime.UtcNow.Ticks - start;
            int passes = g.Position;
            _passes += passes;
            _measuredTicks += ticks;
            _lastGenerated = generated;
            _lastGenerateTicks = ticks;

            int stop = generated >= steps ? DeviceProtocol.StopSteps
                : g.Position >= _transformer.ContextLength ? DeviceProtocol.StopContext : DeviceProtocol.StopEos;
            _w.Buffer[DeviceProtocol.HeaderBytes] = (byte)stop;
            _w.PatchUInt16(countAt, generated);
            _w.WriteInt32(passes);
            _w.WriteInt64(ticks / 10);
            _w.WriteInt64(_model.Storage != null ? _model.Storage.SimulatedNanoseconds - simulatedBefore : -1);
        }

        private void Logits()
        {
            int count = _r.ReadTokens(_prompt, "tokens");
            int k = _r.ReadByte("k");
            _r.End();
            CheckTokens(_prompt, count, "tokens");
            int vocab = _model.Config.VocabSize;
            if (k < 1 || k > DeviceProtocol.MaxTopK || k > vocab)
                throw new ProtocolException(ErrorCode.BadArgument, "k = " + k.ToString() + " must be in 1.." + System.Math.Min(DeviceProtocol.MaxTopK, vocab).ToString());
            int need = 2 + 1 + count * k * 8 + 8;
            if (need > _maxPayload)
                throw new ProtocolException(ErrorCode.BadArgument, count.ToString() + " positions of top-" + k.ToString() + " need a reply of "
                    + need.ToString() + " bytes; the max payload is " + _maxPayload.ToString());

            _w.WriteUInt16(count);
            _w.WriteByte(k);
            long start = System.DateTime.UtcNow.Ticks;
            for (int pos = 0; pos < count; pos++)
            {
                float[] logits = _transformer.Forward(_prompt[pos], pos);
                TopK(logits, vocab, k);
                for (int i = 0; i < k; i++)
                {
                    _w.WriteInt32(_topToken[i]);
                    _w.WriteSingle(_topValue[i]);
                }
            }
            long ticks = System.DateTime.UtcNow.Ticks - start;
            _passes += count;
            _measuredTicks += ticks;
            _w.WriteInt64(ticks / 10);
        }

        private void Stats()
        {
            int flags = _r.Remaining > 0 ? _r.ReadByte("flags") : 0;
            _r.End();
            if ((flags & ~DeviceProtocol.StatsReset) != 0)
                throw new ProtocolException(ErrorCode.BadArgument, "stats flags 0x" + flags.ToString("X2") + " are not defined");
            _w.WriteInt32(_passes);
            _w.WriteInt32(_requests);
            _w.WriteInt32(_errors);
            _w.WriteInt64(_model.Device.Reads);
            _w.WriteInt64(_model.Device.BytesRead);
            _w.WriteInt64(_model.Storage != null ? _model.Storage.SimulatedNanoseconds : -1);
            _w.WriteInt64(_measuredTicks / 10);
            _w.WriteInt64(_model.Cache.Hits);
            _w.WriteInt64(_model.Cache.Misses);
            _w.WriteInt64(_model.Ledger.CurrentBytes);
            _w.WriteInt64(_model.Ledger.PeakBytes);
            _w.WriteInt64(_model.Options.BudgetBytes);
            _w.WriteInt64(HeldBytes);
            if ((flags & DeviceProtocol.StatsReset) != 0) ResetCounters();
        }

        /// <summary>Zeroes the I/O counters, simulated time and the server's own counters.</summary>
        public void ResetCounters()
        {
            _model.Device.ResetCounters();
            _model.Cache.ResetCounters();
            if (_model.Storage != null) _model.Storage.ResetSimulation();
            _passes = 0;
            _requests = 0;
            _errors = 0;
            _measuredTicks = 0;
        }

        private void CheckTokens(int[] tokens, int count, string field)
        {
            if (count < 1) throw new ProtocolException(ErrorCode.BadArgument, field + ": at least one token (BOS) is needed");
            int vocab = _model.Config.VocabSize;
            for (int i = 0; i < count; i++)
                if (tokens[i] < 0 || tokens[i] >= vocab)
                    throw new ProtocolException(ErrorCode.BadArgument, field + "[" + i.ToString() + "] = " + tokens[i].ToString()
                        + " is outside the vocabulary (0.." + (vocab - 1).ToString() + ")");
        }

        /// <summary>The k largest logits, largest first (ties: the lower token first), into the top-k buffers.</summary>
        private void TopK(float[] v, int n, int k)
        {
            int kept = 0;
            for (int i = 0; i < n; i++)
            {
                float x = v[i];
                if (kept == k && !(x > _topValue[k - 1])) continue;
                int j = kept < k ? kept++ : k - 1;
                while (j > 0 && x > _topValue[j - 1])
                {
                    _topValue[j] = _topValue[j - 1];
                    _topToken[j] = _topToken[j - 1];
                    j--;
                }
                _topValue[j] = x;
                _topToken[j] = i;
            }
        }

        /// <summary>
        /// CRC32 of the .etb header without its own CRC field (bytes 0..59): it stands for the whole file, since the header
        /// holds the file length and the directory's CRC, and the directory holds every section's CRC. (A CRC over all
        /// 64 bytes would be the same constant for every valid file: CRC32 over data followed by its CRC is a fixed residue.)
        /// </summary>
        public static uint ModelFingerprint(IO.BlockSource file)
        {
            byte[] header = new byte[EtbLayout.HeaderBytes];
            file.ReadAt(0, header, 0, header.Length);
            return Crc32.Compute(header, 0, EtbLayout.HeaderBytes - 4);
        }

        /// <summary>The string value of "key":"value" in the converter's compact JSON manifest, or "" if absent.</summary>
        public static string ManifestString(string manifest, string key)
        {
            if (manifest == null) return "";
            string pattern = "\"" + key + "\":\"";
            int at = manifest.IndexOf(pattern);
            if (at < 0) return "";
            int start = at + pattern.Length;
            int end = manifest.IndexOf('"', start);
            return end < 0 ? "" : manifest.Substring(start, end - start);
        }
    }
}
