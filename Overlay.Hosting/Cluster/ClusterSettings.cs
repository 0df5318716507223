namespace Overlay.Hosting.Cluster;

/// <summary>
/// Where this process sits in the Akka cluster. Remoting binds <see cref="BindHost"/> and
/// advertises <see cref="AdvertisedHost"/>: peers must reach it by exactly that name, and seed
/// addresses must spell it the same way.
/// </summary>
/// <param name="AdvertisedHost">Host name or address others use to reach this process.</param>
/// <param name="Port">Remoting port; 0 picks a free one (tests).</param>
/// <param name="Seeds">Seed node addresses (akka.tcp://overlay@host:port), the same list everywhere.</param>
/// <param name="Roles">Cluster roles of this process.</param>
/// <param name="BindHost">Address remoting binds (default all interfaces).</param>
public sealed record ClusterSettings(
    string AdvertisedHost,
    int Port,
    IReadOnlyList<string> Seeds,
    IReadOnlyList<string> Roles,
    string BindHost = "0.0.0.0")
{
    /// <summary>The actor system name; part of every cluster address.</summary>
    public const string SystemName = "overlay";

    /// <summary>This process's own address, as it appears in seed lists.</summary>
    public string SelfAddress => $"akka.tcp://{SystemName}@{AdvertisedHost}:{Port}";
}
