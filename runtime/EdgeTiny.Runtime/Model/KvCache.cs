using EdgeTiny.Runtime.Kernels;
using EdgeTiny.Runtime.Memory;

namespace EdgeTiny.Runtime.Model
{
    /// <summary>
    /// Keys and values of every layer for positions [0, context). Float32, or int8 with one symmetric scale per
    /// (position, kv head) — a quarter of the RAM, which is what lets a no-PSRAM board hold a useful context.
    /// Each layer is its own array so no single allocation passes nanoFramework's ~768 KiB array limit early.
    /// </summary>
    public sealed class KvCache
    {
        private readonly int _kvDim;
        private readonly int _headSize;
        private readonly int _kvHeads;
        private readonly int _context;
        private readonly bool _int8;
        private readonly float[][] _keys, _values;          // float mode: per layer (context, kv_dim)
        private readonly byte[][] _keys8, _values8;         // int8 mode: per layer (context, kv_dim)
        private readonly float[][] _keyScales, _valueScales; // int8 mode: per layer (context, kv_heads)

        public KvCache(ModelConfig c, int context, bool int8, MemoryLedger ledger)
        {
            _kvDim = c.KvDim;
            _headSize = c.HeadSize;
            _kvHeads = c.KvHeads;
            _context = context;
            _int8 = int8;
            int L = c.Layers;
            if (int8)
            {
                _keys8 = new byte[L][];
                _values8 = new byte[L][];
                _keyScales = new float[L][];
                _valueScales = new float[L][];
                for (int l = 0; l < L; l++)
                {
                    _keys8[l] = ledger.Bytes("kv.key8", context * _kvDim);
                    _values8[l] = ledger.Bytes("kv.value8", context * _kvDim);
                    _keyScales[l] = ledger.Floats("kv.key_scales", context * _kvHeads);
                    _valueScales[l] = ledger.Floats("kv.value_scales", context * _kvHeads);
                }
            }
            else
            {
                _keys = new float[L][];
                _values = new float[L][];
                for (int l = 0; l < L; l++)
                {
                    _keys[l] = ledger.Floats("kv.key", context * _kvDim);
                    _values[l] = ledger.Floats("kv.value", context * _kvDim);
                }
            }
        }

        public int Context { get { return _context; } }
        public bool Int8 { get { return _int8; } }

        /// <summary>Float keys of a layer, (context, kv_dim) row-major; null in int8 mode.</summary>
        public float[] Keys(int layer) { return _int8 ? null : _keys[layer]; }

        /// <summary>Float values of a layer, (context, kv_dim) row-major; null in int8 mode.</summary>
        public float[] Values(int layer) { return _int8 ? null : _values[layer]; }

        /// <summary>Stores the (already rotated) key and the value of <paramref name="layer"/> at <paramref name="pos"/>.</summary>
        public void Store(int layer, int pos, float[] k, float[] v)
        {
            int row = pos * _kvDim;
            if (!_int8)
            {
                System.Array.Copy(k, 0, _keys[layer], row, _kvDim);
                System.Array.Copy(v, 0, _values[layer], row, _kvDim);
                return;
            }
            for (int h = 0; h < _kvHeads; h++)
            {
                int off = h * _headSize;
                _keyScales[layer][pos * _kvHeads + h] = Quantize(k, off, _keys8[layer], row + off, _headSize);
                _valueScales[layer][pos * _kvHeads + h] = Quantize(v, off, _values8[layer], row + off, _headSize);
            }
        }

        /// <summary>scores[sOff + t] = q · key(t) / scale for positions t in [0, count) of (layer, kv head).</summary>
        public void Scores(IKernels k, int layer, int kvHead, float[] q, int qOff, int count, float scale, float[] scores, int sOff)
        {
            int off = kvHead * _headSize;
            if (!_int8) k.AttentionScores(q, qOff, _keys[layer], off, scores, sOff, count, _headSize, _kvDim, scale);
            else k.AttentionScoresQ8(q, qOff, _keys8[layer], off, _keyScales[layer], kvHead, scores, sOff, count, _headSize, _kvDim, _kvHeads, scale);
        }

        /// <summary>output = Σ_t weights[wOff + t] · value(t) over positions [0, count) of (layer, kv head).</summary>
        public void Values(IKernels k, int layer, int kvHead, float[] weights, int wOff, int count, float[] output, int outOff)
        {
            int off = kvHead * _headSize;
            if (!_int8) k.AttentionValues(weights, wOff, _values[layer], off, output, outOff, count, _headSize, _kvDim);
            else k.AttentionValuesQ8(weights, wOff, _values8[layer], off, _valueScales[layer], kvHead, output, outOff, count, _headSize, _kvDim, _kvHeads);
        }

        /// <summary>Symmetric int8 of src[off..off+n) into dest; returns the scale (max |x| / 127).</summary>
        private static float Quantize(float[] src, int off, byte[] dest, int destOff, int n)
        {
            float max = 0f;
            for (int i = 0; i < n; i++)
            {
                float a = src[off + i] < 0f ? -src[off + i] : src[off + i];
                if (a > max) max = a;
            }
            float scale = max / 127f;
            float inv = max == 0f ? 0f : 127f / max;
            for (int i = 0; i < n; i++)
            {
                float v = src[off + i] * inv;
                int q = (int)(v >= 0f ? v + 0.5f : v - 0.5f);
                if (q > 127) q = 127;
                if (q < -127) q = -127;
                dest[destOff + i] = (byte)(sbyte)q;
            }
            return scale;
        }
    }
}
