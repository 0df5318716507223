using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Node;

/// <summary>Asks the node actor for its <see cref="NodeStatus"/> (local only).</summary>
public sealed record GetNodeStatus
{
    /// <summary>The only instance.</summary>
    public static readonly GetNodeStatus Instance = new();
}

/// <summary>What the node has: its lease (null until granted), the network, whether the data path
/// runs, one entry per peer route (in no particular order), its subscriber's stats, and whether the node actor itself has
/// applied a complete view (<paramref name="ViewApplied"/>: its peer routes exist for every peer
/// lease of that view; the subscriber may report a complete view a moment before the node actor
/// received it).</summary>
public sealed record NodeStatus(
    Lease? Lease, NetworkConfig? Network, bool DataplaneRunning, IReadOnlyList<PeerStatus> Peers, SubscriberStats? Subscriber,
    bool ViewApplied = false);

/// <summary>One peer route with its live counters.</summary>
public sealed record PeerStatus(Lease Lease, PeerCounters Counters);

/// <summary>
/// Published on the event stream (local only) when the registry granted this node a subnet other
/// than the one its running data path serves: pods on this host have addresses of
/// <paramref name="Served"/> and would be cut off by a silent move. The node actor leaves the data
/// path as it is and starts nothing; overlay-node answers by exiting non-zero (see
/// docs/operations.md), as flanneld does when its lease is revoked.
/// </summary>
public sealed record DataPathSubnetConflict(Ipv4Subnet Served, Ipv4Subnet Granted);

/// <summary>
/// Published on the event stream (local only) when this node holds no lease, its running data path
/// serves <paramref name="Served"/>, and the registry's view shows <paramref name="Served"/> leased
/// to another node (<paramref name="Holder"/> at <paramref name="HolderPublicIp"/>): the lease ended
/// while this node was away (frozen, or cut off beyond the grace) and the subnet went to another
/// host. Serving it on would put two hosts on one subnet. The node actor leaves the data path as it
/// is and asks for nothing more; overlay-node exits non-zero, as on <see cref="DataPathSubnetConflict"/>.
/// </summary>
public sealed record DataPathSubnetTaken(Ipv4Subnet Served, string Holder, string HolderPublicIp);

/// <summary>Published on the node's event stream (local only) by the node actor: why it has no
/// lease (the registry's refusal or rejection in words), or null once it holds one. The node's
/// readiness check reports it.</summary>
public sealed record NodeLeaseProblem(string? Reason);
