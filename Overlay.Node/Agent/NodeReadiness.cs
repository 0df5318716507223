using Microsoft.Extensions.Diagnostics.HealthChecks;
using Overlay.Node.Dataplane;

namespace Overlay.Node.Agent;

/// <summary>The node is ready when it holds a lease and its data path runs (TUN up, pumps on),
/// which is also when subnet.env has been written. When the registry refused or rejected its lease
/// request, the message says why (<see cref="LeaseProblemBoard"/>).</summary>
public sealed class NodeReadiness(OverlayDataplane dataplane, LeaseProblemBoard leaseProblem) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(dataplane.IsRunning && dataplane.LocalSubnet is { } subnet
            ? HealthCheckResult.Healthy($"lease {subnet}, {dataplane.Device?.Name} up")
            : HealthCheckResult.Unhealthy(leaseProblem.Problem is { } problem
                ? $"no lease: {problem}"
                : "no lease or the data path is not running"));
}
