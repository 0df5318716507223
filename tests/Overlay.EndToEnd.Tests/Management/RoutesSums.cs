using Overlay.Node.Management;

namespace Overlay.EndToEnd.Tests.Management;

/// <summary>What the end-to-end tests read off a node's GET /routes beyond its fields: sums over the
/// counters and a short form for assertion messages.</summary>
public static class RoutesSums
{
    extension(RoutesJson routes)
    {
        /// <summary>The sum over every drop reason.</summary>
        public long TotalDrops => routes.Drops.Values.Sum();

        /// <summary>The sum of rxPackets over every peer: what the node accepted into its TUN.</summary>
        public long TotalRxPackets => routes.Peers.Sum(p => p.RxPackets);

        /// <summary>The local subnet and the peers' subnets and endpoints, for messages.</summary>
        public string Describe() => $"local {routes.Local}, peers [{string.Join(", ", routes.Peers.Select(p => $"{p.Subnet} via {p.Endpoint}"))}]";
    }
}
