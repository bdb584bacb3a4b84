using EdgeTiny.Converter.Conversion;
using EdgeTiny.Converter.Etb;
using EdgeTiny.Converter.Import;
using EdgeTiny.Converter.Quantization;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;
using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Analysis;

/// <summary>The source model as the runtime runs it (fp32, in memory): for sampling calibration text and for reference logits.</summary>
public static class ReferenceRuntime
{
    /// <summary>
    /// The source as an f32 .etb read in place (<see cref="EtbWriter.AsBlockSource"/>: no file image, the floats are the
    /// source's own), loaded with no budget, so every weight is resident: what sampling holds is the source and the
    /// runtime's copy, twice the model, not three or four times.
    /// </summary>
    public static EtbModel Open(SourceModel source)
    {
        var writer = new EtbWriter();
        writer.AddRaw(TensorNames.Config, SectionKind.Config, source.Config.ToBytes());
        writer.AddRaw(TensorNames.Tokenizer, SectionKind.Tokenizer, TokenizerSection.Encode(source.Tokenizer));
        foreach (SourceTensor t in source.Tensors) writer.AddFloats(t.Name, t.Data, t.Rows, t.Cols);
        return EtbModel.Load(writer.AsBlockSource());
    }
}
