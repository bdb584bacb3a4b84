using EdgeTiny.Converter;
using EdgeTiny.Runtime;
using EdgeTiny.Runtime.Format;
using EdgeTiny.Runtime.IO;

namespace EdgeTiny.Host;

/// <summary>Opens .etb files from a desktop path, turning format errors into <see cref="InputException"/>s that name the file.</summary>
public static class EtbFile
{
    public static StreamBlockSource OpenSource(string path)
    {
        if (Directory.Exists(path)) throw new InputException(path, "is a directory, expected an .etb file");
        if (!File.Exists(path)) throw new InputException(path, "model file not found");
        return new StreamBlockSource(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096), ownsStream: true);
    }

    /// <summary>Runs <paramref name="action"/>, reporting any format error as bad input in <paramref name="path"/>.</summary>
    public static T Guard<T>(string path, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (ModelFormatException e)
        {
            throw new InputException(path, e.Message);
        }
    }

    public static EtbReader OpenReader(string path, StreamBlockSource source) => Guard(path, () => new EtbReader(source));

    public static EtbModel Load(string path, StreamBlockSource source) => Guard(path, () => EtbModel.Load(source));

    /// <summary>The config and tokenizer of an .etb, read without planning memory or loading any weight (a few KB).</summary>
    public static (EdgeTiny.Runtime.Model.ModelConfig Config, EdgeTiny.Runtime.Text.Tokenizer Tokenizer) ReadHead(string path)
    {
        using var source = OpenSource(path);
        return Guard(path, () =>
        {
            var reader = new EtbReader(source);
            return (EdgeTiny.Runtime.Model.ModelConfig.Parse(reader.ReadSection(reader.Require(EdgeTiny.Runtime.Model.TensorNames.Config))),
                new EdgeTiny.Runtime.Text.Tokenizer(reader.ReadSection(reader.Require(EdgeTiny.Runtime.Model.TensorNames.Tokenizer))));
        });
    }
}
