using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Overlay.Actors.Node;
using Overlay.Hosting.Cluster;
using Overlay.Node.Dataplane;

namespace Overlay.Node.Agent;

/// <summary>The node is ready when it holds a lease and its data path runs (TUN up, pumps on),
/// which is also when subnet.env has been written, and it holds a complete view of the registry
/// (without one it cannot reach every peer; the reason says how far the transfer got).</summary>
public sealed class NodeReadiness(OverlayDataplane dataplane, IRequiredActor<NodeActor> node) : IHealthCheck
{
    /// <summary>How long the node agent may take to answer.</summary>
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!dataplane.IsRunning || dataplane.LocalSubnet is not { } subnet)
            return HealthCheckResult.Unhealthy("no lease or the data path is not running");
        NodeStatus status;
        try
        {
            status = await (await node.ResolveAsync(StatusTimeout, cancellationToken))
                .Ask<NodeStatus>(GetNodeStatus.Instance, StatusTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is AskTimeoutException or TimeoutException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("the node agent did not answer");
        }
        var view = status.Subscriber?.View;
        return view is { HasView: true }
            ? HealthCheckResult.Healthy($"lease {subnet}, {dataplane.Device?.Name} up, {view.Describe()}")
            : HealthCheckResult.Unhealthy(view?.Describe() ?? "no view yet");
    }
}
