using Overlay.Actors.Addressing;
using Overlay.Node.Tun;

namespace Overlay.Testing;

/// <summary>The link configurator for in-memory devices: there is no kernel link, so it does nothing.</summary>
public sealed class NoLinkConfigurator : ILinkConfigurator
{
    /// <summary>The shared instance (stateless).</summary>
    public static readonly NoLinkConfigurator Instance = new();

    /// <inheritdoc />
    public void Configure(string device, uint address, int mtu, Ipv4Subnet route)
    {
    }
}
