using Akka.Cluster;

namespace Overlay.Hosting.Cluster.Downing;

/// <summary>What the downing decision chose: the members to down (possibly none) and why, in words
/// for the log.</summary>
public sealed record DowningOutcome(IReadOnlySet<UniqueAddress> Down, string Reason)
{
    /// <summary>Nothing to down.</summary>
    public static DowningOutcome Nothing { get; } = new(new HashSet<UniqueAddress>(), "all members reachable");
}
