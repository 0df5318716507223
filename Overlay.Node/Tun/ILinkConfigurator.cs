using Overlay.Actors.Addressing;

namespace Overlay.Node.Tun;

/// <summary>
/// Gives a freshly created TUN device its layer-3 setup, reads it back for the data-path watchdog,
/// and removes what outlives the device. Implementations: <see cref="LinkConfigurator"/> (the kernel,
/// by ioctl), <c>NoLinkConfigurator</c> and <c>FakeLinkConfigurator</c> (in-memory devices,
/// tests/Overlay.Testing). The kernel drops the address and the route through the device when the
/// device closes; the unreachable backstop route has no device and is removed by <see cref="Unconfigure"/>.
/// </summary>
public interface ILinkConfigurator
{
    /// <summary>
    /// Sets <paramref name="address"/>/32 (host order) and <paramref name="mtu"/> on
    /// <paramref name="device"/>, brings it up, adds the route "<paramref name="route"/> dev
    /// <paramref name="device"/>" and the backstop "unreachable <paramref name="route"/>" with the
    /// lowest priority (so traffic for the Network never falls through to a default route while the
    /// device route is missing). Idempotent: an address, up state or route already in place is kept,
    /// so the watchdog repairs by calling it again. Throws with a message naming the step, its
    /// operands and the errno.
    /// </summary>
    void Configure(string device, uint address, int mtu, Ipv4Subnet route);

    /// <summary>Reads what the kernel shows of <paramref name="device"/> and of the routes for
    /// <paramref name="route"/>. Cheap (two ioctls and one small read of the routing table), so it may
    /// run every second. Throws <see cref="IOException"/> naming the step when a read fails.</summary>
    LinkState Inspect(string device, Ipv4Subnet route);

    /// <summary>Removes the IPv4 address of <paramref name="device"/> (absent is fine). The kernel
    /// flushes the routes through the device with its last address; the backstop, which has no
    /// device, stays, so traffic for the Network gets "no route to host". <see cref="Configure"/>
    /// puts both back. Used to withdraw a subnet this node may no longer hold
    /// (<see cref="Dataplane.OverlayDataplane.Withdraw"/>). Throws <see cref="IOException"/> naming the step.</summary>
    void RemoveAddress(string device);

    /// <summary>Removes the backstop route <see cref="Configure"/> added for <paramref name="route"/>
    /// (absent is fine). Called when the data path stops on purpose.</summary>
    void Unconfigure(Ipv4Subnet route);
}
