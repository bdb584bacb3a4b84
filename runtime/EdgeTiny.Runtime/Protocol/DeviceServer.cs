using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.Generation;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Model;
using EdgeTiny.Runtime.Text;
using EdgeTiny.Runtime.Training;

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
    /// <item>tune (version 2; a server built without a <see cref="DeviceCard"/>, or a version 1 frame: error not-supported):
    ///   u8 flags (1 resume from the loaded adapters, 2 adaptive schedule, 4 rehearsal by distillation, 8 measure, 16 schedule settings) | u16 layers K | u16 rank | f32 alpha | u32 steps |
    ///   f32 learning rate | u8 optimizer (0 SGD, 1 Adam) | f32 clip norm | u16 sequence length | u64 seed |
    ///   u8 rehearsal steps | u16 rehearsal sequences | u16 base sequences | [f32 rehearsal weight | u8 schedule (1 learning-rate
    ///   decay), with flag 16] | u8 text source (0 inline, 1 the uploaded file) |
    ///   [string text, when inline] → one progress frame per step (flag more: u32 step (1-based) | u32 steps | f32 loss |
    ///   i64 µs of the step), then the final reply: u32 steps | u32 train sequences | u32 held-out sequences | u32 text tokens |
    ///   f32 first loss | f32 last loss | i64 µs | i64 tuning peak bytes (the plan's ledger) | i64 budget
    ///   [| f32 held-out loss before | after | f32 base-domain loss before | after, with flag 8; nats per token].
    ///   The board tokenizes the text with the model's tokenizer (BOS first), re-plans the model with the tuning shape
    ///   (float KV cache, context = sequence length, adapters and the session's buffers inside the budget; too small a
    ///   budget: bad-argument naming the minimum, and the board keeps serving as before), runs the session, then re-opens
    ///   the inference plan with the tuned adapters (unsaved until save).</item>
    /// <item>save (version 2): (empty) → u32 generation | u32 file bytes | i64 µs. Writes the loaded adapters crash-safely
    ///   (<see cref="AdapterFile.Save"/>) as generation newest-on-card + 1.</item>
    /// <item>upload (version 2): u32 offset | u8 flags (1 last) | u16 count | count bytes → u32 bytes stored. Offset 0
    ///   starts a new file; any other offset must be the bytes stored so far (chunks are appended in order).</item>
    /// <item>load-adapters (version 2): (empty) → u32 generation | u16 layers | u16 rank. The newest valid adapters on the
    ///   card; the inference plan is re-opened with them.</item>
    /// <item>reset-adapters (version 2): (empty) → (empty). Unloads the adapters (the card's file stays).</item>
    /// <item>status (version 2): (empty) → u8 adapters (0 none, 1 saved: loaded from or saved to the card, 2 tuned, unsaved) |
    ///   u32 loaded generation (0 none or unsaved) | u32 newest generation on the card (0 none) | u16 layers | u16 rank |
    ///   u32 steps done | u32 steps | f32 last loss (NaN: none) | u32 uploaded bytes | u32 context | u8 int8 KV | i64 accounted peak |
    ///   i64 budget (context and KV precision are the serving plan's now: adapters re-plan it)</item>
    /// <item>stats: [u8 flags: 1 = reset after reading] → u32 forward passes | u32 requests | u32 error replies | i64 reads |
    ///   i64 bytes | i64 simulated SD ns (-1: none) | i64 measured µs | i64 cache hits | i64 cache misses |
    ///   i64 accounted bytes | i64 accounted peak | i64 budget | i64 protocol bytes</item>
    /// </list>
    /// </summary>
    public sealed class DeviceServer
    {
        private EtbModel _model;
        private Transformer _transformer;
        private readonly IKernels _kernels;
        private readonly DeviceInfo _info;
        private readonly int _maxPayload;
        private readonly FrameReader _reader;
        private readonly byte[] _tx;
        private readonly PayloadWriter _w = new PayloadWriter();
        private readonly PayloadReader _r = new PayloadReader();
        private int[] _prompt;
        private readonly int[] _topToken = new int[DeviceProtocol.MaxTopK];
        private readonly float[] _topValue = new float[DeviceProtocol.MaxTopK];
        private Generator _greedy;
        private readonly Sampler _greedySampler;
        private Sampler _sampling;      // built on the first sampled request, then reset per request (no allocation)
        private Generator _sampled;
        private readonly string _sourceSha;
        /// <summary>The samplers' buffers: the protocol's own, kept apart from the model's planned ledger.</summary>
        private readonly Memory.MemoryLedger _ownBuffers = new Memory.MemoryLedger();
        private readonly uint _etbCrc;
        private IDeviceLink _link;
        private int _stop;

        // Version 2: re-planning and adapters (null _file / _card: a server that cannot tune).
        private readonly BlockSource _file;
        private readonly ModelConfig _config;
        private readonly RuntimeOptions _options;
        private readonly DeviceCard _card;
        private AdapterSet _adapters;
        private ForwardHooks _hooks = ForwardHooks.None;
        private int _adapterState;
        private uint _generation;
        private int _stepsDone, _stepsTotal;
        private float _lastLoss = float.NaN;
        private int _version = DeviceProtocol.Version;   // the current request's version: replies go out in it
        private uint _requestId;
        private int _requestKind;

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
            _config = model.Config;
            _transformer = transformer != null ? transformer : model.CreateTransformer(kernels);
            transformer = _transformer;
            _kernels = kernels;
            _info = info;
            _maxPayload = maxPayload;
            _reader = new FrameReader(maxPayload);
            _tx = new byte[FrameCodec.FrameBytes(maxPayload)];
            _prompt = new int[transformer.ContextLength];
            _greedySampler = new Sampler(model.Config.VocabSize, 0f, 0f, 1, kernels, _ownBuffers);
            _greedy = new Generator(transformer, _greedySampler);
            _sourceSha = ManifestString(model.Manifest, "sha256");

            _etbCrc = ModelFingerprint(model.Device);
            ResetCounters();
        }

        /// <summary>
        /// A server that opens the model itself from <paramref name="file"/> with <paramref name="options"/> (the board's
        /// budget and storage timing) and can re-plan it: it tunes, saves and loads adapters on <paramref name="card"/>.
        /// Adapters already on the card are loaded at start when they are valid for this model and fit the budget
        /// (<see cref="StartNote"/> says what happened).
        /// </summary>
        public DeviceServer(BlockSource file, RuntimeOptions options, IKernels kernels, DeviceInfo info, int maxPayload, DeviceCard card)
            : this(EtbModel.Open(file, options), null, kernels, info, maxPayload)
        {
            _file = file;
            _options = options;
            _card = card;
            StartNote = "no adapters on the card";
            if (card == null || card.AdaptersPath == null || !AnyAdapterFile()) return;
            try
            {
                byte[] best = NewestAdapters();
                _generation = AdapterFile.Generation(best);
                Reopen(best, AdapterFile.HeaderBytes, best.Length - AdapterFile.HeaderBytes);
                _adapterState = DeviceProtocol.AdaptersSaved;
                StartNote = "adapters generation " + _generation.ToString() + " loaded (" + _adapters.Layers.ToString() + " layers, rank "
                    + _adapters.Rank.ToString() + ")";
            }
            catch (System.Exception e)
            {
                _generation = 0;
                if (_adapters != null || _model == null) Reopen(null, 0, 0);
                StartNote = "adapters not loaded: " + e.Message;
            }
        }

        /// <summary>What the card-aware constructor did with adapters found on the card.</summary>
        public string StartNote;

        /// <summary>The model being served (re-opened by tune, load-adapters and reset-adapters).</summary>
        public EtbModel Model { get { return _model; } }

        /// <summary>Generation of the adapters in use (0: none, or tuned and not saved yet).</summary>
        public uint AdapterGeneration { get { return _generation; } }

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
                        int v = FrameCodec.Version(_reader.Buffer);
                        _version = v >= DeviceProtocol.MinVersion && v <= DeviceProtocol.Version ? v : DeviceProtocol.Version;
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
            _version = FrameCodec.Version(_reader.Buffer);
            _requestId = requestId;
            _requestKind = kind;
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
                    case DeviceProtocol.Tune: RequireCard(kind); Tune(); break;
                    case DeviceProtocol.Save: RequireCard(kind); Save(); break;
                    case DeviceProtocol.Upload: RequireCard(kind); Upload(); break;
                    case DeviceProtocol.LoadAdapters: RequireCard(kind); LoadAdapters(); break;
                    case DeviceProtocol.ResetAdapters: RequireCard(kind); ResetAdapters(); break;
                    case DeviceProtocol.Status: RequireCard(kind); Status(); break;
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
            int n = FrameCodec.Seal(_tx, kind | DeviceProtocol.ReplyBit, requestId, _w.Length, _version, 0);
            _link.Write(_tx, 0, n);
            if (Observer != null) Observer.RequestFinished(kind, 0);
        }

        private void SendError(uint requestId, int kind, int code, string message)
        {
            _errors++;
            int n = FrameCodec.SealError(_tx, _w, _maxPayload, requestId, kind, code, message, _version);
            _link.Write(_tx, 0, n);
        }


        // ---- Version 2: tuning, adapters and the card ----

        private void RequireCard(int kind)
        {
            if (_card == null || _file == null)
                throw new ProtocolException(ErrorCode.NotSupported, DeviceProtocol.KindName(kind) + " is not supported by this firmware ("
                    + _info.FirmwareVersion + "): it was started without a card for adapters");
            if (_version < 2)
                throw new ProtocolException(ErrorCode.NotSupported, DeviceProtocol.KindName(kind) + " needs protocol version 2 (the request is version "
                    + _version.ToString() + ")");
        }

        /// <summary>
        /// Drops the model being served and opens it again from the file: with the adapters serialized in
        /// src[at..at+length) (non-trainable, in the plan), or without adapters when src is null. Everything sized by the
        /// plan (prompt buffer, generators) is rebuilt; on a board this is where the old plan's memory is given back.
        /// </summary>
        private void Reopen(byte[] src, int at, int length)
        {
            RuntimeOptions o = _options.Copy();
            if (src != null)
            {
                int layers, rank;
                AdapterSet.ReadShape(src, at, length, _config, out layers, out rank);
                o.AdapterLayers = layers;
                o.AdapterRank = rank;
            }
            Release();
            EtbModel m;
            try
            {
                m = EtbModel.Open(_file, o);
            }
            catch (System.Exception)
            {
                if (src == null) throw;
                Reopen(null, 0, 0); // keep serving without adapters, then say why
                throw;
            }
            Install(m, m.CreateTransformer(_kernels));
            if (src != null)
            {
                _adapters = AdapterSet.Deserialize(src, at, length, m.Config, false, m.Ledger);
                _hooks = new ForwardHooks(m.Weights, _adapters, null, null);
                _greedy = new Generator(_transformer, _greedySampler, _hooks);
            }
        }

        private void Release()
        {
            _model = null;
            _transformer = null;
            _greedy = null;
            _sampled = null;
            _adapters = null;
            _hooks = ForwardHooks.None;
            // Nothing references the old plan now: the collector gives its heap to the next one when that allocates.
        }

        private void Install(EtbModel m, Transformer t)
        {
            _model = m;
            _transformer = t;
            if (_prompt == null || _prompt.Length != t.ContextLength) _prompt = new int[t.ContextLength];
            _greedy = new Generator(t, _greedySampler, _hooks);
            _sampled = null;
        }

        private bool AnyAdapterFile()
        {
            string p = _card.AdaptersPath;
            return _card.Files.Exists(p) || _card.Files.Exists(p + AdapterFile.NewSuffix) || _card.Files.Exists(p + AdapterFile.OldSuffix);
        }

        /// <summary>The newest valid .eta bytes on the card (header included); throws naming what is wrong.</summary>
        private byte[] NewestAdapters()
        {
            ModelConfig c = _config;
            string[] candidates = { _card.AdaptersPath, _card.AdaptersPath + AdapterFile.NewSuffix, _card.AdaptersPath + AdapterFile.OldSuffix };
            byte[] best = null;
            for (int i = 0; i < candidates.Length; i++)
            {
                if (!_card.Files.Exists(candidates[i])) continue;
                byte[] b = _card.Files.ReadAll(candidates[i]);
                if (AdapterFile.Valid(b, c) && (best == null || AdapterFile.Generation(b) > AdapterFile.Generation(best))) best = b;
            }
            if (best == null) throw new ProtocolException(ErrorCode.BadArgument, AnyAdapterFile()
                ? "no valid adapters on the card (corrupt, or trained for another model)" : "no adapters on the card");
            return best;
        }

        private void Upload()
        {
            long offset = _r.ReadUInt32("offset");
            int flags = _r.ReadByte("flags");
            int count = _r.ReadUInt16("count");
            if (count > _r.Remaining) throw new ProtocolException(ErrorCode.BadPayload, "count " + count.ToString() + " is more than the "
                + _r.Remaining.ToString() + " bytes left in the payload");
            int at = DeviceProtocol.HeaderBytes + _r.Length - _r.Remaining;
            if ((flags & ~DeviceProtocol.UploadLast) != 0)
                throw new ProtocolException(ErrorCode.BadArgument, "upload flags 0x" + flags.ToString("X2") + " are not defined");
            FileStore fs = _card.Files;
            long have = fs.Length(_card.UploadPath);
            if (offset == 0)
            {
                fs.WriteAll(_card.UploadPath, _reader.Buffer, 0); // a new upload: truncate
                have = 0;
            }
            if (offset != have)
                throw new ProtocolException(ErrorCode.BadArgument, "upload offset " + offset.ToString() + ": the board holds " + have.ToString()
                    + " bytes (send offset 0 to start over)");
            if (count > 0) fs.Append(_card.UploadPath, _reader.Buffer, at, count);
            for (int i = 0; i < count; i++) _r.ReadByte("bytes");
            _r.End();
            _w.WriteUInt32((uint)(have + count));
        }

        private void Tune()
        {
            int flags = _r.ReadByte("flags");
            TuneSettings s = new TuneSettings();
            s.Window = _r.ReadUInt16("layers");
            s.Rank = _r.ReadUInt16("rank");
            s.Alpha = _r.ReadSingle("alpha");
            s.Steps = _r.ReadInt32("steps");
            s.LearningRate = _r.ReadSingle("lr");
            int optimizer = _r.ReadByte("optimizer");
            s.ClipNorm = _r.ReadSingle("clip");
            s.SequenceLength = _r.ReadUInt16("seq-len");
            s.Seed = _r.ReadUInt64("seed");
            s.RehearsalSteps = _r.ReadByte("rehearsal");
            s.RehearsalSequences = _r.ReadUInt16("rehearsal-sequences");
            s.BaseSequences = _r.ReadUInt16("base-sequences");
            int schedule = 0;
            if ((flags & DeviceProtocol.TuneSchedule) != 0)
            {
                s.RehearsalWeight = _r.ReadSingle("rehearsal weight");
                schedule = _r.ReadByte("schedule");
            }
            int source = _r.ReadByte("text source");
            string text = null;
            if (source == DeviceProtocol.TextInline) text = _r.ReadString("text");
            else if (source != DeviceProtocol.TextUploaded)
                throw new ProtocolException(ErrorCode.BadPayload, "text source " + source.ToString() + " is not 0 (inline) or 1 (uploaded)");
            _r.End();
            if ((flags & ~(DeviceProtocol.TuneResume | DeviceProtocol.TuneAdaptive | DeviceProtocol.TuneDistill | DeviceProtocol.TuneMeasure
                | DeviceProtocol.TuneSchedule)) != 0)
                throw new ProtocolException(ErrorCode.BadArgument, "tune flags 0x" + flags.ToString("X2") + " are not defined");
            if (optimizer != 0 && optimizer != 1) throw new ProtocolException(ErrorCode.BadArgument, "optimizer " + optimizer.ToString() + " is not 0 (SGD) or 1 (Adam)");
            s.Optimizer = optimizer == 0 ? OptimizerKind.Sgd : OptimizerKind.Adam;
            s.Adaptive = (flags & DeviceProtocol.TuneAdaptive) != 0;
            s.RehearsalDistill = (flags & DeviceProtocol.TuneDistill) != 0;
            if ((schedule & ~DeviceProtocol.ScheduleLrDecay) != 0)
                throw new ProtocolException(ErrorCode.BadArgument, "schedule bits 0x" + schedule.ToString("X2") + " are not defined");
            s.LearningRateDecay = (schedule & DeviceProtocol.ScheduleLrDecay) != 0;
            bool resume = (flags & DeviceProtocol.TuneResume) != 0;
            bool measure = (flags & DeviceProtocol.TuneMeasure) != 0;
            ModelConfig c = _model.Config;
            try
            {
                s.Validate(c);
            }
            catch (System.ArgumentOutOfRangeException e)
            {
                throw new ProtocolException(ErrorCode.BadArgument, e.ParamName + ": " + FirstLine(e.Message));
            }
            if (!(s.Alpha > 0f)) throw new ProtocolException(ErrorCode.BadArgument, "alpha must be > 0");
            int adapted = s.AdaptedLayers(c);
            if (resume && (_adapters == null || _adapters.Layers - _adapters.FirstLayer != adapted || _adapters.Rank != s.Rank))
                throw new ProtocolException(ErrorCode.BadArgument, _adapters == null ? "resume: no adapters are loaded"
                    : "resume: the loaded adapters are rank " + _adapters.Rank.ToString() + " on " + (_adapters.Layers - _adapters.FirstLayer).ToString()
                      + " layers; these settings tune rank " + s.Rank.ToString() + " on " + adapted.ToString());

            // The text, tokenized by the model's tokenizer (BOS first).
            if (source == DeviceProtocol.TextUploaded)
            {
                if (!_card.Files.Exists(_card.UploadPath)) throw new ProtocolException(ErrorCode.BadArgument, "no text was uploaded");
                byte[] bytes = _card.Files.ReadAll(_card.UploadPath);
                text = new string(System.Text.Encoding.UTF8.GetChars(bytes));
            }
            int[] encoded = new int[Tokenizer.MaxTokens(System.Text.Encoding.UTF8.GetBytes(text).Length)];
            int tokens = _model.Tokenizer.Encode(text, true, false, encoded);
            text = null;
            if (tokens < 2) throw new ProtocolException(ErrorCode.BadArgument, "the text is empty");

            // The tuning plan, measured before the serving plan is given up: too big, and the board serves on unchanged.
            TuningShape shape = s.Shape(c, tokens);
            RuntimeOptions o = _options.Copy();
            o.ContextLength = s.SequenceLengthFor(c);
            o.KvPrecision = KvPrecision.Float;
            o.AdapterLayers = adapted;
            o.AdapterRank = s.Rank;
            o.Tuning = shape;
            try
            {
                Memory.MemoryPlanner.Plan(_model.Reader, c, CommittedBytes(_model), o);
            }
            catch (Memory.MemoryBudgetException e)
            {
                throw new ProtocolException(ErrorCode.BadArgument, "tuning does not fit: it needs at least " + e.MinimumBytes.ToString()
                    + " bytes; the budget is " + e.BudgetBytes.ToString() + " (" + e.Message + ")");
            }

            byte[] previous = null;
            if (_adapters != null)
            {
                previous = new byte[_adapters.SerializedBytes];
                _adapters.Serialize(previous, 0);
            }
            int previousState = _adapterState;
            uint previousGeneration = _generation;
            byte[] tuned = null;
            long start = System.DateTime.UtcNow.Ticks;
            float first = float.NaN;
            int trainSequences, heldOutSequences;
            long peak;
            float heldOutBefore = 0f, heldOutAfter = 0f, baseBefore = 0f, baseAfter = 0f;
            Release();
            try
            {
                EtbModel m = EtbModel.Open(_file, o);
                Transformer t = m.CreateTransformer(_kernels);
                AdapterSet adapters;
                if (resume)
                {
                    adapters = AdapterSet.Deserialize(previous, 0, previous.Length, m.Config, true, m.Ledger);
                    adapters.Window = s.Window;
                }
                else
                {
                    adapters = new AdapterSet(m.Config, m.Config.Layers - adapted, s.Rank, s.Alpha, true, m.Ledger);
                    adapters.Window = s.Window;
                    adapters.Initialize(s.Seed);
                }
                TuningSession session = new TuningSession(t, m.Weights, adapters, s, tokens, m.Ledger);
                System.Array.Copy(encoded, session.Text, tokens);
                encoded = null;
                try
                {
                    session.Prepare(tokens, 0);
                }
                catch (System.ArgumentException e)
                {
                    throw new ProtocolException(ErrorCode.BadArgument, "text: " + FirstLine(e.Message));
                }
                if (measure)
                {
                    heldOutBefore = session.HeldOutLoss(false);
                    baseBefore = session.BaseLoss(false);
                }
                _stepsTotal = s.Steps;
                _stepsDone = 0;
                // From here on nothing is allocated per step: the progress frame is written into the reply buffer.
                for (int step = 0; step < s.Steps; step++)
                {
                    if (Observer != null) Observer.TuningStepStarted(step);
                    long stepStart = System.DateTime.UtcNow.Ticks;
                    float loss = session.Step();
                    if (Observer != null) Observer.TuningStepFinished(step, loss);
                    if (step == 0) first = loss;
                    _lastLoss = loss;
                    _stepsDone = step + 1;
                    _w.Reset(_tx, DeviceProtocol.HeaderBytes, _maxPayload);
                    _w.WriteInt32(step + 1);
                    _w.WriteInt32(s.Steps);
                    _w.WriteSingle(loss);
                    _w.WriteInt64((System.DateTime.UtcNow.Ticks - stepStart) / 10);
                    int n = FrameCodec.Seal(_tx, DeviceProtocol.Tune | DeviceProtocol.ReplyBit, _requestId, _w.Length, _version, DeviceProtocol.FlagMore);
                    _link.Write(_tx, 0, n);
                }
                if (measure)
                {
                    heldOutAfter = session.HeldOutLoss(true);
                    baseAfter = session.BaseLoss(true);
                }
                trainSequences = session.TrainSequences;
                heldOutSequences = session.HeldOutSequences;
                peak = m.Ledger.PeakBytes;
                if (_options.BudgetBytes > 0 && peak > _options.BudgetBytes)
                    throw new ProtocolException(ErrorCode.Internal, "tuning accounted " + peak.ToString() + " bytes, above the budget of "
                        + _options.BudgetBytes.ToString());
                tuned = new byte[adapters.SerializedBytes];
                adapters.Serialize(tuned, 0);
            }
            finally
            {
                _model = null; // the tuning plan goes; the serving plan comes back (tuned adapters, or the previous ones on failure)
                if (tuned != null) Reopen(tuned, 0, tuned.Length);
                else
                {
                    _adapterState = previousState;
                    _generation = previousGeneration;
                    if (previous != null) Reopen(previous, 0, previous.Length); else Reopen(null, 0, 0);
                }
            }
            _adapterState = DeviceProtocol.AdaptersUnsaved;
            _generation = 0;
            long ticks = System.DateTime.UtcNow.Ticks - start;
            _measuredTicks += ticks;
            _w.Reset(_tx, DeviceProtocol.HeaderBytes, _maxPayload);
            _w.WriteInt32(s.Steps);
            _w.WriteInt32(trainSequences);
            _w.WriteInt32(heldOutSequences);
            _w.WriteInt32(tokens);
            _w.WriteSingle(first);
            _w.WriteSingle(_lastLoss);
            _w.WriteInt64(ticks / 10);
            _w.WriteInt64(peak);
            _w.WriteInt64(_options.BudgetBytes);
            if (!measure) return;
            _w.WriteSingle(heldOutBefore);
            _w.WriteSingle(heldOutAfter);
            _w.WriteSingle(baseBefore);
            _w.WriteSingle(baseAfter);
        }

        /// <summary>Bytes an open model holds before its plan (directory and tokenizer), as <see cref="EtbModel.Open"/> records them.</summary>
        private static long CommittedBytes(EtbModel m)
        {
            return Memory.MemoryLedger.ArrayCost((long)m.Reader.SectionCount * EtbLayout.DirectoryEntryBytes) + m.Tokenizer.HeldBytes;
        }

        private static string FirstLine(string message)
        {
            int cut = message.IndexOf("\n");
            if (cut >= 0) message = message.Substring(0, cut);
            cut = message.IndexOf(" (Parameter");
            return cut >= 0 ? message.Substring(0, cut) : message;
        }

        private void Save()
        {
            _r.End();
            if (_adapters == null) throw new ProtocolException(ErrorCode.BadArgument, "no adapters to save: tune or load-adapters first");
            long start = System.DateTime.UtcNow.Ticks;
            ModelConfig c = _model.Config;
            uint generation = AdapterFile.NewestGeneration(_card.Files, _card.AdaptersPath, c) + 1;
            AdapterFile.Save(_card.Files, _card.AdaptersPath, _adapters, c, generation);
            _generation = generation;
            _adapterState = DeviceProtocol.AdaptersSaved;
            _w.WriteUInt32(generation);
            _w.WriteInt32(AdapterFile.HeaderBytes + _adapters.SerializedBytes);
            _w.WriteInt64((System.DateTime.UtcNow.Ticks - start) / 10);
        }

        private void LoadAdapters()
        {
            _r.End();
            byte[] best = NewestAdapters();
            try
            {
                Reopen(best, AdapterFile.HeaderBytes, best.Length - AdapterFile.HeaderBytes);
            }
            catch (Memory.MemoryBudgetException e)
            {
                _adapterState = DeviceProtocol.AdaptersNone;
                _generation = 0;
                throw new ProtocolException(ErrorCode.BadArgument, "the adapters do not fit: at least " + e.MinimumBytes.ToString()
                    + " bytes are needed; the budget is " + e.BudgetBytes.ToString());
            }
            _generation = AdapterFile.Generation(best);
            _adapterState = DeviceProtocol.AdaptersSaved;
            _w.WriteUInt32(_generation);
            _w.WriteUInt16(_adapters.Layers - _adapters.FirstLayer);
            _w.WriteUInt16(_adapters.Rank);
        }

        private void ResetAdapters()
        {
            _r.End();
            Reopen(null, 0, 0);
            _adapterState = DeviceProtocol.AdaptersNone;
            _generation = 0;
        }

        private void Status()
        {
            _r.End();
            _w.WriteByte(_adapterState);
            _w.WriteUInt32(_generation);
            _w.WriteUInt32(AdapterFile.NewestGeneration(_card.Files, _card.AdaptersPath, _model.Config));
            _w.WriteUInt16(_adapters == null ? 0 : _adapters.Layers - _adapters.FirstLayer);
            _w.WriteUInt16(_adapters == null ? 0 : _adapters.Rank);
            _w.WriteInt32(_stepsDone);
            _w.WriteInt32(_stepsTotal);
            _w.WriteSingle(_lastLoss);
            _w.WriteUInt32((uint)_card.Files.Length(_card.UploadPath));
            _w.WriteInt32(_transformer.ContextLength);
            _w.WriteByte(_transformer.KvInt8 ? 1 : 0);
            _w.WriteInt64(_model.Ledger.PeakBytes);
            _w.WriteInt64(_model.Options.BudgetBytes);
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
                    _sampled = new Generator(_transformer, _sampling, _hooks);
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
                float[] logits = _transformer.Forward(_prompt[pos], pos, _hooks);
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
