namespace Overlay.Actors.Node;

/// <summary>What the node does with one subnet's peer route so that it matches the view
/// (<see cref="PeerRoutePlanner.Decide"/>).</summary>
public enum PeerRouteAction
{
    /// <summary>The route is as the view wants it (or is on its way out and comes back once stopped).</summary>
    None,
    /// <summary>Start a peer route for the view's lease.</summary>
    Start,
    /// <summary>Tell the running route its lease changed (renewed, or moved to another host or port).</summary>
    Update,
    /// <summary>Retire the running route: the view no longer has a peer lease for the subnet.</summary>
    Retire,
}
