using Overlay.Actors.Addressing;
using Overlay.Node.Tun;

namespace Overlay.Testing;

/// <summary>The link configurator for in-memory devices: there is no kernel link, so it does
/// nothing, and Inspect shows every link up with its routes but no address (the watchdog is tested
/// with <see cref="FakeLinkConfigurator"/>).</summary>
public sealed class NoLinkConfigurator : ILinkConfigurator
{
    /// <summary>The shared instance (stateless).</summary>
    public static readonly NoLinkConfigurator Instance = new();

    /// <inheritdoc />
    public void Configure(string device, uint address, int mtu, Ipv4Subnet route)
    {
    }

    /// <inheritdoc />
    public LinkState Inspect(string device, Ipv4Subnet route) => new(true, true, null, true, true);

    /// <inheritdoc />
    public void RemoveAddress(string device)
    {
    }

    /// <inheritdoc />
    public void Unconfigure(Ipv4Subnet route)
    {
    }
}
