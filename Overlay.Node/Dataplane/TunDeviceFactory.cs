using Overlay.Node.Tun;

namespace Overlay.Node.Dataplane;

/// <summary>Opens the TUN device <paramref name="name"/> for an overlay MTU of <paramref name="mtu"/>.
/// Production: <c>LinuxTunDevice.Create</c>; tests: a lambda returning a <see cref="ChannelTunDevice"/>.
/// Throws with a message naming the device when the OS refuses.</summary>
public delegate ITunDevice TunDeviceFactory(string name, int mtu);
