using Akka.Actor;

namespace Overlay.Hosting.Cluster;

/// <summary>
/// A snapshot of <see cref="IControlPlane.Current"/>. <paramref name="System"/> is set while a
/// member is Up (then <paramref name="Unavailable"/> is null); otherwise <paramref name="Unavailable"/>
/// says why there is none, for a 503 or the readiness text. <paramref name="Agent"/> is the process's
/// agent actor in that system (the node actor on overlay-node; null on the seed).
/// </summary>
public sealed record ControlPlaneState(ActorSystem? System, IActorRef? Agent, string? Unavailable)
{
    /// <summary>No control plane, for <paramref name="reason"/>.</summary>
    public static ControlPlaneState Down(string reason) => new(null, null, reason);
}
