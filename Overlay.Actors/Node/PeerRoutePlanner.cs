using Overlay.Actors.Addressing;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Node;

/// <summary>
/// The node's route decision for one subnet, pure: from the lease the view holds for it, the route
/// the node runs for it and whether that route's old child is still stopping. The node actor asks it
/// for every subnet of a complete view (first view, a transfer after a gap, a new own lease) and, for
/// a single event, only for the subnet its <see cref="LeaseViewDelta"/> names, so a lease change
/// costs O(log N) on each node.
/// </summary>
public static class PeerRoutePlanner
{
    /// <summary>
    /// The action for <paramref name="subnet"/>: <paramref name="wanted"/> is the view's lease for it
    /// (null when none), <paramref name="own"/> this node's subnet (never a peer route),
    /// <paramref name="running"/> the lease of the route the node runs for it (null when none),
    /// <paramref name="stopping"/> whether a retired route for it has not stopped yet (a new one
    /// starts only after it did, so the removal cannot overtake the install).
    /// </summary>
    public static PeerRouteAction Decide(Ipv4Subnet subnet, Lease? wanted, Ipv4Subnet? own, Lease? running, bool stopping)
    {
        var desired = wanted is not null && subnet != own ? wanted : null;
        if (desired is null)
            return running is null ? PeerRouteAction.None : PeerRouteAction.Retire;
        if (running is not null)
            return running == desired ? PeerRouteAction.None : PeerRouteAction.Update;
        return stopping ? PeerRouteAction.None : PeerRouteAction.Start;
    }
}
