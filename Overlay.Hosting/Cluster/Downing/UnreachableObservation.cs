using Akka.Cluster;

namespace Overlay.Hosting.Cluster.Downing;

/// <summary>One record of the cluster's reachability table: <paramref name="Observer"/>'s failure
/// detector finds <paramref name="Subject"/> unreachable (or it was quarantined).</summary>
public sealed record UnreachableObservation(UniqueAddress Observer, UniqueAddress Subject);
