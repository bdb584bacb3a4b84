using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Memory;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Runtime.Training
{
    /// <summary>
    /// The adapters file (.eta), written so that a power cut at any byte leaves the previous or the new adapters
    /// loadable — never a corrupt or lost state. Save writes "name.new", reads it back and checks it, moves the current
    /// "name" to "name.old" (deleting an older one), then renames "name.new" to "name". Load takes, among the three,
    /// the valid file with the highest generation. Every step is a plain create / delete / rename, which FAT on an SD
    /// card (and nanoFramework's File API) provides.
    ///
    /// Header (32 B): 0 magic "ETAD" | 4 u16 major (1) | 6 u16 minor | 8 u32 generation | 12 u32 payload bytes
    /// | 16 u32 payload CRC32 | 20 u32 model fingerprint (CRC32 of the config section) | 24 reserved | 28 u32 header CRC32.
    /// Payload: <see cref="AdapterSet.Serialize"/>.
    /// </summary>
    public static class AdapterFile
    {
        public const uint Magic = 0x44415445; // "ETAD"
        public const int HeaderBytes = 32;
        public const int MajorVersion = 1;
        public const string NewSuffix = ".new";
        public const string OldSuffix = ".old";

        /// <summary>Identifies the model shape adapters belong to.</summary>
        public static uint Fingerprint(ModelConfig c)
        {
            byte[] b = c.ToBytes();
            return Crc32.Compute(b, 0, b.Length);
        }

        /// <summary>The file bytes for a generation of these adapters.</summary>
        public static byte[] Encode(AdapterSet set, ModelConfig c, uint generation)
        {
            int payload = set.SerializedBytes;
            byte[] b = new byte[HeaderBytes + payload];
            set.Serialize(b, HeaderBytes);
            LittleEndian.WriteInt32(b, 0, unchecked((int)Magic));
            b[4] = (byte)MajorVersion;
            LittleEndian.WriteInt32(b, 8, unchecked((int)generation));
            LittleEndian.WriteInt32(b, 12, payload);
            LittleEndian.WriteInt32(b, 16, unchecked((int)Crc32.Compute(b, HeaderBytes, payload)));
            LittleEndian.WriteInt32(b, 20, unchecked((int)Fingerprint(c)));
            LittleEndian.WriteInt32(b, 28, unchecked((int)Crc32.Compute(b, 0, 28)));
            return b;
        }

        /// <summary>Saves a new generation crash-safely (see the class comment).</summary>
        public static void Save(FileStore fs, string path, AdapterSet set, ModelConfig c, uint generation)
        {
            byte[] bytes = Encode(set, c, generation);
            string fresh = path + NewSuffix, old = path + OldSuffix;
            Recover(fs, path, c);
            fs.WriteAll(fresh, bytes, bytes.Length);
            byte[] check = fs.ReadAll(fresh);
            if (!SameBytes(check, bytes)) throw new System.IO.IOException(fresh + ": read-back differs from what was written");
            if (fs.Exists(old)) fs.Delete(old);
            if (fs.Exists(path)) fs.Move(path, old);
            fs.Move(fresh, path);
        }

        /// <summary>
        /// Finishes a save that a power cut interrupted after "name.new" was complete: when "name.new" is valid and newer
        /// than "name", it is committed (name → name.old, name.new → name) before anything overwrites it; otherwise a
        /// leftover "name.new" is deleted. Without this, the next save would truncate "name.new" — the newest adapters —
        /// and a cut during that write would bring back an older generation (found by BoardTuningTests' power cuts).
        /// </summary>
        public static void Recover(FileStore fs, string path, ModelConfig c)
        {
            string fresh = path + NewSuffix, old = path + OldSuffix;
            if (!fs.Exists(fresh)) return;
            byte[] pending = fs.ReadAll(fresh);
            uint current = 0;
            if (fs.Exists(path))
            {
                byte[] b = fs.ReadAll(path);
                if (Valid(b, c)) current = Generation(b);
            }
            if (!Valid(pending, c) || Generation(pending) <= current)
            {
                fs.Delete(fresh);
                return;
            }
            if (fs.Exists(old)) fs.Delete(old);
            if (fs.Exists(path)) fs.Move(path, old);
            fs.Move(fresh, path);
        }

        /// <summary>Generation of the newest valid adapters at <paramref name="path"/>, or 0 when there are none.</summary>
        public static uint NewestGeneration(FileStore fs, string path, ModelConfig c)
        {
            uint best = 0;
            string[] candidates = { path, path + NewSuffix, path + OldSuffix };
            for (int i = 0; i < candidates.Length; i++)
            {
                if (!fs.Exists(candidates[i])) continue;
                byte[] b = fs.ReadAll(candidates[i]);
                if (Valid(b, c) && Generation(b) > best) best = Generation(b);
            }
            return best;
        }

        /// <summary>
        /// The newest valid adapters among path, path.new and path.old. Throws when none is valid: naming the file when
        /// files exist but are corrupt or belong to another model, or saying there is no file.
        /// </summary>
        /// <param name="trainable">With gradient buffers, to tune further; without, to apply them.</param>
        public static AdapterSet Load(FileStore fs, string path, ModelConfig c, bool trainable, MemoryLedger ledger)
        {
            byte[] best = Newest(fs, path, c);
            return AdapterSet.Deserialize(best, HeaderBytes, best.Length - HeaderBytes, c, trainable, ledger);
        }

        /// <summary>
        /// The shape of the adapters <see cref="Load"/> would return (the layers they cover and their rank), so the memory
        /// planner can count them before anything is allocated.
        /// </summary>
        public static void ReadShape(FileStore fs, string path, ModelConfig c, out int adaptedLayers, out int rank)
        {
            byte[] best = Newest(fs, path, c);
            AdapterSet.ReadShape(best, HeaderBytes, best.Length - HeaderBytes, c, out adaptedLayers, out rank);
        }

        private static byte[] Newest(FileStore fs, string path, ModelConfig c)
        {
            string[] candidates = { path, path + NewSuffix, path + OldSuffix };
            byte[] best = null;
            bool any = false;
            for (int i = 0; i < candidates.Length; i++)
            {
                if (!fs.Exists(candidates[i])) continue;
                any = true;
                byte[] b = fs.ReadAll(candidates[i]);
                if (Valid(b, c) && (best == null || Generation(b) > Generation(best))) best = b;
            }
            if (best == null)
                throw new ModelFormatException(any ? "no valid adapters (corrupt, or trained for another model)" : "adapters file not found");
            return best;
        }

        public static uint Generation(byte[] b) { return LittleEndian.ReadUInt32(b, 8); }

        /// <summary>Whole, uncorrupted, and for this model.</summary>
        public static bool Valid(byte[] b, ModelConfig c)
        {
            if (b.Length < HeaderBytes || LittleEndian.ReadUInt32(b, 0) != Magic || b[4] != MajorVersion) return false;
            if (Crc32.Compute(b, 0, 28) != LittleEndian.ReadUInt32(b, 28)) return false;
            long payload = LittleEndian.ReadUInt32(b, 12);
            if (payload != b.Length - HeaderBytes) return false;
            if (Crc32.Compute(b, HeaderBytes, (int)payload) != LittleEndian.ReadUInt32(b, 16)) return false;
            return LittleEndian.ReadUInt32(b, 20) == Fingerprint(c);
        }

        private static bool SameBytes(byte[] a, byte[] b)
        {
            if (a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++) if (a[i] != b[i]) return false;
            return true;
        }
    }
}
