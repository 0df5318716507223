using Overlay.Actors.Addressing;

namespace Overlay.Actors.Leases;

/// <summary>
/// Which lease one applied event changed in a <see cref="LeaseView"/>: the subnet whose entry was
/// granted, renewed or ended, or none (a network configuration, a renewal of a lease the view does
/// not hold). A subscriber hands it to its owner with the view it produced, so the owner brings only
/// that subnet's route up to date (O(log N)) instead of comparing the whole view (O(N) per change,
/// O(N^2) across a fleet for one grant). Pure.
/// </summary>
public sealed record LeaseViewDelta(Ipv4Subnet? Subnet)
{
    /// <summary>An event that changed no lease.</summary>
    public static readonly LeaseViewDelta NoLease = new((Ipv4Subnet?)null);

    /// <summary>The delta of <paramref name="e"/>, an event a view applied (<see cref="LeaseView.Outcome.Applied"/>).</summary>
    public static LeaseViewDelta Of(ILeaseEvent e) => e switch
    {
        LeaseGranted g => new(g.Lease.Subnet),
        LeaseRenewed r => new(r.Subnet),
        LeaseEnded x => new(x.Subnet),
        _ => NoLease,
    };
}
