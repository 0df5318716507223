using Overlay.Actors.Addressing;

namespace Overlay.Node.Tun;

/// <summary>
/// Gives a freshly created TUN device its layer-3 setup. Implementations: <see cref="LinkConfigurator"/>
/// (the kernel, by ioctl) and <c>NoLinkConfigurator</c> (in-memory devices, tests/Overlay.Testing). Nothing is undone
/// explicitly: the kernel drops the address and route when the device closes.
/// </summary>
public interface ILinkConfigurator
{
    /// <summary>
    /// Sets <paramref name="address"/>/32 (host order) and <paramref name="mtu"/> on
    /// <paramref name="device"/>, brings it up, and adds the route "<paramref name="route"/> dev
    /// <paramref name="device"/>" (an existing identical route is tolerated). Throws with a message
    /// naming the step, its operands and the errno.
    /// </summary>
    void Configure(string device, uint address, int mtu, Ipv4Subnet route);
}
