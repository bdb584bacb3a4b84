using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Memory;

namespace EdgeTiny.Runtime.Model
{
    /// <summary>
    /// Where streamed tensors come from: the board's storage (cache → SD timing → file) and the one chunk buffer
    /// every streamed matrix is read through, a few whole rows at a time. Sized once by the memory plan.
    /// </summary>
    public sealed class WeightStream
    {
        public readonly BlockSource Source;
        /// <summary>Raw rows as stored in the file.</summary>
        public readonly byte[] Chunk;
        /// <summary>Rows of a streamed f32 tensor, decoded from <see cref="Chunk"/>.</summary>
        public readonly float[] ChunkFloats;

        public WeightStream(BlockSource source, int chunkBytes, bool hasStreamedF32, MemoryLedger ledger)
        {
            Source = source;
            Chunk = ledger.Bytes("stream.chunk", chunkBytes);
            ChunkFloats = ledger.Floats("stream.chunk_f32", hasStreamedF32 ? chunkBytes / 4 : 0);
        }
    }
}
