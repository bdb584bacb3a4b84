using EdgeTiny.Runtime.Model;

namespace EdgeTiny.Converter.Import;

/// <summary>
/// The order and shapes in which every importer hands tensors on (llama2.c version 0's order), so that a model
/// converts to the same bytes whatever file format it came in.
/// </summary>
public static class SourceLayout
{
    public readonly record struct Slot(string Name, int Rows, int Cols);

    public static IEnumerable<Slot> Slots(ModelConfig c)
    {
        int dim = c.Dim, kv = c.KvDim, hidden = c.HiddenDim;
        IEnumerable<Slot> PerLayer(string name, int rows, int cols) =>
            Enumerable.Range(0, c.Layers).Select(l => new Slot(TensorNames.Layer(l, name), rows, cols));
        IEnumerable<Slot> slots =
        [
            new Slot(TensorNames.TokenEmbedding, c.VocabSize, dim), .. PerLayer(TensorNames.RmsAtt, 1, dim), .. PerLayer(TensorNames.Wq, dim, dim),
            .. PerLayer(TensorNames.Wk, kv, dim), .. PerLayer(TensorNames.Wv, kv, dim), .. PerLayer(TensorNames.Wo, dim, dim),
            .. PerLayer(TensorNames.RmsFfn, 1, dim), .. PerLayer(TensorNames.W1, hidden, dim), .. PerLayer(TensorNames.W2, dim, hidden),
            .. PerLayer(TensorNames.W3, hidden, dim), new Slot(TensorNames.RmsFinal, 1, dim),
        ];
        return c.SharedClassifier ? slots : slots.Append(new Slot(TensorNames.Classifier, c.VocabSize, dim));
    }

    /// <summary>Validates a config read from a file's metadata; a bad value is bad input naming the file.</summary>
    public static void Validate(string path, ModelConfig config, string what)
    {
        try
        {
            config.Validate();
        }
        catch (EdgeTiny.Runtime.Format.ModelFormatException e)
        {
            throw new InputException(path, what + " " + e.Message.Replace("config: ", ""));
        }
    }

    /// <summary>Rejects NaN and infinities, which no codec can store and which would poison every logit.</summary>
    public static void CheckFinite(string path, IEnumerable<SourceTensor> tensors)
    {
        foreach (var t in tensors)
            if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(t.Data))
                throw new InputException(path, $"tensor {t.Name} contains NaN or infinity");
    }
}
