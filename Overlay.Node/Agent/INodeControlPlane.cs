using Overlay.Hosting.Cluster;

namespace Overlay.Node.Agent;

/// <summary>overlay-node's control plane as the management side sees it: the current incarnation
/// (<see cref="IControlPlane.Current"/>, whose agent is the node actor) and its history. Thread-safe.</summary>
public interface INodeControlPlane : IControlPlane
{
    /// <summary>Number of the incarnation running or being started (1 for the first).</summary>
    int Incarnation { get; }

    /// <summary>Incarnations that ended other than by our own shutdown and were replaced.</summary>
    long Restarts { get; }

    /// <summary>True while the current incarnation is Up in the cluster.</summary>
    bool IsUp { get; }

    /// <summary>When the control plane last became Up, or (when not Up) since when it has not been.</summary>
    DateTimeOffset Since { get; }
}
