namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The overlay lab with room for thousands of leases: the seed's network is 10.244.0.0/16 cut
/// into /28s (4,095 subnets) instead of /24s (255), so a test can load a registry past the size
/// where a whole snapshot no longer fits one remoting frame. Same namespaces and processes as
/// <see cref="OverlayLabFixture"/>, under its own prefix.
/// </summary>
public sealed class WideLabFixture : OverlayLabFixture
{
    /// <summary>The seed's net-conf.json.</summary>
    public const string NetConf = """{"Network":"10.244.0.0/16","SubnetLen":28}""";

    /// <summary>Creates the fixture; nothing is started yet.</summary>
    public WideLabFixture()
        : base("e2w", NetConf)
    {
    }
}

/// <summary>The test classes that share one <see cref="WideLabFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class WideLabCollection : ICollectionFixture<WideLabFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "wide overlay lab";
}
