using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;

namespace Overlay.Node.Tests;

/// <summary>The overlay used throughout the tests: 10.244.0.0/16 in /24s, underlay in 192.0.2.0/24.</summary>
internal static class TestNetwork
{
    public static NetworkConfig Config(int port = 8285) => new(
        Ipv4Subnet.Parse("10.244.0.0/16"), 24,
        Ipv4Subnet.Parse("10.244.1.0/24"), Ipv4Subnet.Parse("10.244.255.0/24"),
        new BackendConfig("udp", port));

    public static Lease Lease(string subnet, string publicIp, int port = 8285) => new(
        Ipv4Subnet.Parse(subnet), $"node-{subnet}", IPAddress.Parse(publicIp), port,
        DateTimeOffset.UtcNow.AddHours(1), 1, "");

    public static Ipv4Subnet S(string text) => Ipv4Subnet.Parse(text);

    public static IPEndPoint E(string address, int port = 8285) => new(IPAddress.Parse(address), port);
}
