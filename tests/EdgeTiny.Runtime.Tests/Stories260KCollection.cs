namespace EdgeTiny.Runtime.Tests;

/// <summary>Tests in this collection share one conversion of stories260K (fp32 and q8).</summary>
[CollectionDefinition(Name)]
public sealed class Stories260KCollection : ICollectionFixture<ConvertedModels>
{
    public const string Name = "stories260K";
}
