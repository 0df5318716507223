using Akka.Actor;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Overlay.Actors.Node;
using Overlay.Node.Dataplane;

namespace Overlay.Node.Agent;

/// <summary>The node is ready when it holds a lease and its data path runs (TUN up, pumps on),
/// which is also when subnet.env has been written, and it holds a complete view of the registry
/// (without one it cannot reach every peer; the reason says how far the transfer got), and every
/// peer lease of that view has its route in the forwarding table. When the
/// registry refused or rejected its lease request, the message says why (<see cref="LeaseProblemBoard"/>).
/// Once this process has held a complete view, a later incarnation that is still fetching its own
/// is Degraded, not Unhealthy: the data path forwards on the last table meanwhile (the control-plane
/// check says why). Registered as a singleton; thread-safe.</summary>
public sealed class NodeReadiness(OverlayDataplane dataplane, INodeControlPlane controlPlane, LeaseProblemBoard leaseProblem)
    : IHealthCheck
{
    /// <summary>How long the node agent may take to answer.</summary>
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(2);

    private volatile bool _heldCompleteView;

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!dataplane.IsRunning || dataplane.LocalSubnet is not { } subnet)
            return HealthCheckResult.Unhealthy(leaseProblem.Problem is { } problem
                ? $"no lease: {problem}"
                : "no lease or the data path is not running");
        if (dataplane.Withdrawn is { } withdrawn)
            return HealthCheckResult.Unhealthy($"{subnet} withdrawn until the registry confirms it: {withdrawn}");
        var current = controlPlane.Current;
        if (current.Agent is not { } node)
            return NotComplete(current.Unavailable ?? "no control plane");
        NodeStatus status;
        try
        {
            status = await node.Ask<NodeStatus>(GetNodeStatus.Instance, StatusTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is AskTimeoutException or TimeoutException or OperationCanceledException)
        {
            return NotComplete("the node agent did not answer");
        }
        var view = status.Subscriber?.View;
        if (view is not { HasView: true })
            return NotComplete(view?.Describe() ?? "no view yet");
        // The peer routes start as children of the node agent once it received the view (the
        // subscriber reports it complete a moment before), and install themselves after that;
        // until every one is in the forwarding table the node cannot reach every peer.
        if (!status.ViewApplied)
            return NotComplete($"{view.Describe()}; peer routes not started yet");
        var installed = dataplane.CountInstalled(status.Peers.Select(p => p.Lease.Subnet));
        if (installed < status.Peers.Count)
            return NotComplete($"{view.Describe()}; installing peer routes: {installed} of {status.Peers.Count}");
        _heldCompleteView = true;
        return HealthCheckResult.Healthy($"lease {subnet}, {dataplane.Device?.Name} up, {view.Describe()}, {installed} peer routes");
    }

    private HealthCheckResult NotComplete(string reason) => _heldCompleteView
        ? HealthCheckResult.Degraded($"forwarding on the last complete view; {reason}")
        : HealthCheckResult.Unhealthy(reason);
}
