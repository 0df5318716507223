using System.Net;
using Overlay.Actors.Addressing;

namespace Overlay.Node.Tests;

/// <summary>An underlay with one interface, eth0 (MTU 1500) holding <paramref name="address"/>, and no
/// subnet.env: what the flag tests bind against. Its local addresses are loopback and <paramref name="address"/>.</summary>
internal sealed class FixedUnderlayProbe(string address) : IUnderlayProbe
{
    public string DefaultRouteInterface() => "eth0";
    public string InterfaceOf(IPAddress address) => "eth0";
    public IPAddress AddressOf(string iface) => IPAddress.Parse(address);
    public int MtuOf(string iface) => 1500;
    public Ipv4Subnet? ReadRequestedSubnet(string path) => null;
    public IReadOnlyList<IPAddress> LocalAddresses() => [IPAddress.Loopback, IPAddress.Parse(address)];
}
