namespace EdgeTiny.Runtime.Protocol
{
    /// <summary>
    /// The numbers of the EdgeTiny device protocol (version 2; version 1 frames are still served): how a desktop talks
    /// to a board over a serial line, USB CDC or TCP. Every frame, request or reply, has the same shape (little-endian):
    ///
    ///   0 u32 magic "EDTP" | 4 u8 protocol version | 5 u8 kind | 6 u16 flags | 8 u32 request id
    ///   12 u32 payload length (at most the device's max payload) | 16 payload | 16+n u32 CRC32 of bytes 0..16+n
    ///
    /// A request's kind is a command (<see cref="Hello"/> …); the reply carries the same request id and kind
    /// <c>command | <see cref="ReplyBit"/></c>, or <see cref="Error"/> with an error payload
    /// (u16 code | u8 kind that failed | u8 0 | string message). The 16-byte header keeps this layout in every version,
    /// so a device can always say "wrong version" in a frame the other side can read.
    ///
    /// Versions: a device answers each request in the request's version. Version 1 defines no flags. Version 2 adds
    /// the commands upload, load-adapters, reset-adapters and status, gives tune and save their payloads, and defines
    /// one flag, <see cref="FlagMore"/>, set only in replies: a request may get several reply frames with its request id
    /// — progress frames with FlagMore set (tune: one per step) — and exactly one final frame without it (the reply
    /// or an error). A version 1 request never gets a FlagMore frame (tune in a version 1 frame is refused).
    ///
    /// Payload values: integers little-endian, floats IEEE-754 binary32, strings u16 byte count + UTF-8,
    /// token arrays u16 count + i32 each. See <see cref="DeviceServer"/> for each command's payloads.
    /// </summary>
    public static class DeviceProtocol
    {
        public const uint Magic = 0x50544445; // "EDTP" read as a little-endian u32
        public const int Version = 2;
        /// <summary>Oldest version a device still serves.</summary>
        public const int MinVersion = 1;
        /// <summary>Header flag (version 2, replies only): more frames for this request follow.</summary>
        public const int FlagMore = 1;
        public const int HeaderBytes = 16;
        public const int TrailerBytes = 4;
        public const int OverheadBytes = HeaderBytes + TrailerBytes;

        /// <summary>Largest payload a device accepts unless configured otherwise (hello reports the device's own).</summary>
        public const int DefaultMaxPayload = 8192;
        /// <summary>No device may go below this (hello and error replies must fit).</summary>
        public const int MinMaxPayload = 512;
        /// <summary>Most logits per position a logits reply can carry.</summary>
        public const int MaxTopK = 64;

        // Commands (request kinds).
        public const int Hello = 0x01;
        public const int Generate = 0x02;
        public const int Logits = 0x03;
        public const int Tune = 0x04;
        public const int Save = 0x05;
        public const int Stats = 0x06;
        // Version 2.
        public const int Upload = 0x07;
        public const int LoadAdapters = 0x08;
        public const int ResetAdapters = 0x09;
        public const int Status = 0x0A;

        // Upload flags.
        public const int UploadLast = 1;

        // Tune flags.
        public const int TuneResume = 1;
        public const int TuneAdaptive = 2;
        /// <summary>Tune flag: rehearse by distillation to the base model's own distributions (TuneSettings.RehearsalDistill).</summary>
        public const int TuneDistill = 4;
        /// <summary>
        /// Tune flag: measure held-out loss and base-domain loss (on the board's own samples) before and after; the reply
        /// gains four floats. Costs forward passes over the held-out and base sequences, twice.
        /// </summary>
        public const int TuneMeasure = 8;
        /// <summary>
        /// Tune flag: the settings go on after base sequences with f32 rehearsal weight (TuneSettings.RehearsalWeight) and
        /// u8 schedule bits (1: linear learning-rate decay). Without it a board uses weight 1 and a constant rate.
        /// </summary>
        public const int TuneSchedule = 16;
        /// <summary>Schedule bit: learning rate decayed linearly to a tenth by the last step.</summary>
        public const int ScheduleLrDecay = 1;

        // Tune: where the text is.
        public const int TextInline = 0;
        public const int TextUploaded = 1;

        // Status: the adapters' state.
        public const int AdaptersNone = 0;
        public const int AdaptersSaved = 1;
        public const int AdaptersUnsaved = 2;

        /// <summary>Set in a reply's kind: reply to command <c>kind &amp; 0x7F</c>.</summary>
        public const int ReplyBit = 0x80;
        /// <summary>Kind of an error reply.</summary>
        public const int Error = 0xFF;

        // Generate: what the prompt is.
        public const int PromptTokens = 0;
        public const int PromptText = 1;

        // Generate: why generation stopped.
        public const int StopSteps = 0;
        public const int StopEos = 1;
        public const int StopContext = 2;

        // Stats request flags.
        public const int StatsReset = 1;

        public static string KindName(int kind)
        {
            if (kind == Error) return "error";
            string reply = (kind & ReplyBit) != 0 && kind != Error ? " reply" : "";
            switch (kind & 0x7F)
            {
                case Hello: return "hello" + reply;
                case Generate: return "generate" + reply;
                case Logits: return "logits" + reply;
                case Tune: return "tune" + reply;
                case Save: return "save" + reply;
                case Stats: return "stats" + reply;
                case Upload: return "upload" + reply;
                case LoadAdapters: return "load-adapters" + reply;
                case ResetAdapters: return "reset-adapters" + reply;
                case Status: return "status" + reply;
                default: return "kind 0x" + kind.ToString("X2");
            }
        }

        public static string StopName(int stop)
        {
            if (stop == StopSteps) return "steps";
            if (stop == StopEos) return "eos";
            if (stop == StopContext) return "context";
            return stop.ToString();
        }
    }

    /// <summary>The codes an error reply carries.</summary>
    public static class ErrorCode
    {
        /// <summary>The frame did not start with "EDTP"; the device skipped bytes until the next magic.</summary>
        public const int BadMagic = 1;
        /// <summary>A protocol version the device does not speak.</summary>
        public const int BadVersion = 2;
        /// <summary>The frame's CRC32 did not match; the frame was dropped.</summary>
        public const int BadCrc = 3;
        /// <summary>The payload length is above the device's max payload; the device skipped to the next magic.</summary>
        public const int TooLarge = 4;
        public const int UnknownCommand = 5;
        /// <summary>The payload is shorter or longer than the command's fields, or a field is malformed.</summary>
        public const int BadPayload = 6;
        /// <summary>The command exists in the protocol but this firmware (or this request's version) does not implement it.</summary>
        public const int NotSupported = 7;
        /// <summary>Well-formed but impossible: a token outside the vocabulary, a prompt longer than the context…</summary>
        public const int BadArgument = 8;
        /// <summary>The rest of a started frame did not arrive in time; the partial frame was dropped.</summary>
        public const int Incomplete = 9;
        /// <summary>The reply would not fit in the device's max payload.</summary>
        public const int ReplyTooLarge = 10;
        /// <summary>The device failed while running the command (its message says how).</summary>
        public const int Internal = 11;
        /// <summary>Flags set in a header that its version does not define (version 1: none; version 2: only FlagMore, in replies).</summary>
        public const int BadFlags = 12;

        public static string Name(int code)
        {
            switch (code)
            {
                case BadMagic: return "bad-magic";
                case BadVersion: return "bad-version";
                case BadCrc: return "bad-crc";
                case TooLarge: return "too-large";
                case UnknownCommand: return "unknown-command";
                case BadPayload: return "bad-payload";
                case NotSupported: return "not-supported";
                case BadArgument: return "bad-argument";
                case Incomplete: return "incomplete";
                case ReplyTooLarge: return "reply-too-large";
                case Internal: return "internal";
                case BadFlags: return "bad-flags";
                default: return "error " + code.ToString();
            }
        }
    }

    /// <summary>A request or reply the protocol cannot carry out: <see cref="Code"/> is one of <see cref="ErrorCode"/>.</summary>
    public class ProtocolException : System.Exception
    {
        public readonly int Code;

        public ProtocolException(int code, string message) : base(message)
        {
            Code = code;
        }
    }
}
