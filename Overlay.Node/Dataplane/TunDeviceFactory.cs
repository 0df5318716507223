using Overlay.Node.Tun;

namespace Overlay.Node.Dataplane;

/// <summary>Opens the TUN device <paramref name="name"/> for an overlay MTU of <paramref name="mtu"/>;
/// with <paramref name="firstQueue"/> set, opens one more queue of that (multi-queue) device, opened
/// the same way. Production: <c>LinuxTunDevice.Create</c>/<c>AttachQueue</c>; tests: a lambda returning
/// a <c>ChannelTunDevice</c> (tests/Overlay.Testing). Throws with a message naming the device when the OS refuses.</summary>
public delegate ITunDevice TunDeviceFactory(string name, int mtu, ITunDevice? firstQueue);
