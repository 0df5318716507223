namespace Overlay.Hosting.Cluster;

/// <summary>
/// The actor system the management endpoints and services should talk to now. overlay-seed has one
/// actor system for its life (<see cref="ActorSystemControlPlane"/>); overlay-node runs one
/// control-plane incarnation at a time and replaces it when it ends, so nothing may hold on to an
/// <see cref="Akka.Actor.ActorSystem"/>: ask <see cref="Current"/> per use. Thread-safe.
/// </summary>
public interface IControlPlane
{
    /// <summary>The control plane as it is now: an actor system that is Up in the cluster, or the
    /// reason there is none.</summary>
    ControlPlaneState Current { get; }
}
