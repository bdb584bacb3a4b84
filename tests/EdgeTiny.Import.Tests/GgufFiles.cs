using EdgeTiny.LlamaCpp;

namespace EdgeTiny.Import.Tests;

[CollectionDefinition(Name)]
public sealed class GgufCollection : ICollectionFixture<GgufFiles>
{
    public const string Name = "GGUF files made by ggml and llama.cpp";
}
