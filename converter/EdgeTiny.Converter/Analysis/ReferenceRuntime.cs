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
    public static EtbModel Open(SourceModel source)
    {
        var writer = new EtbWriter();
        writer.AddRaw(TensorNames.Config, SectionKind.Config, source.Config.ToBytes());
        writer.AddRaw(TensorNames.Tokenizer, SectionKind.Tokenizer, TokenizerSection.Encode(source.Tokenizer));
        foreach (SourceTensor t in source.Tensors) writer.AddTensor(t.Name, EncodedTensor.F32(t.Data, t.Rows, t.Cols));
        var stream = new MemoryStream(checked((int)writer.Length)); // sized once: no doubling copies of a large model
        writer.WriteTo(stream);
        stream.Position = 0;
        return EtbModel.Load(new StreamBlockSource(stream, ownsStream: true));
    }
}
