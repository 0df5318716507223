using Akka.Cluster;

namespace Overlay.Hosting.Cluster.Downing;

/// <summary>One member as the downing decision sees it.</summary>
/// <param name="Address">The member's unique address (an incarnation).</param>
/// <param name="Status">Its membership status.</param>
/// <param name="Registry">True when it has the "registry" role (a seed that may host the registry singleton).</param>
public sealed record DowningMember(UniqueAddress Address, MemberStatus Status, bool Registry)
{
    /// <summary>Counted on a side of a partition (Akka's SBR counts Up and Leaving only).</summary>
    public bool Counted => Status is MemberStatus.Up or MemberStatus.Leaving;

    /// <summary>May still be downed (not already Down or Exiting).</summary>
    public bool Downable => Status is not (MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Removed);
}
