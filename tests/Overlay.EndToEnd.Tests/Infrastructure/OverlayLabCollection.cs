namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>The test classes that share one <see cref="OverlayLabFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class OverlayLabCollection : ICollectionFixture<OverlayLabFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "overlay lab";
}
