namespace Overlay.Node.Management;

/// <summary>GET /routes. <c>ControlPlane</c> is null while the control plane is Up, else why it is not
/// (the table then comes from the data path alone).</summary>
public sealed record RoutesJson(
    string? Local, string? Network, string? Device, int? Mtu, bool Running,
    IReadOnlyList<PeerRouteJson> Peers, IReadOnlyDictionary<string, long> Drops, string? ControlPlane = null);

/// <summary>One peer route with its counters.</summary>
public sealed record PeerRouteJson(
    string Subnet, string NodeName, string Endpoint, bool Installed, long TxPackets, long TxBytes, long RxPackets, long RxBytes);
