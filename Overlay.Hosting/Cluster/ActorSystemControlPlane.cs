using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;

namespace Overlay.Hosting.Cluster;

/// <summary>
/// <see cref="IControlPlane"/> over the one actor system in the container (overlay-seed): it lives as
/// long as the process, so it is always current. Resolved per use, since Akka.Hosting creates it
/// when the host starts.
/// </summary>
public sealed class ActorSystemControlPlane(IServiceProvider services) : IControlPlane
{
    /// <inheritdoc />
    public ControlPlaneState Current => services.GetRequiredService<ActorSystem>() is { WhenTerminated.IsCompleted: false } system
        ? new ControlPlaneState(system, null, null)
        : ControlPlaneState.Down("the actor system has terminated");
}
