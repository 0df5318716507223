using Microsoft.Extensions.Diagnostics.HealthChecks;
using Overlay.Node.Dataplane;

namespace Overlay.Node.Agent;

/// <summary>
/// Readiness of the control plane: healthy while an incarnation is Up in the cluster; degraded
/// (still HTTP 200: the node forwards) while a replacement incarnation rejoins and the data path
/// runs; unhealthy before the first incarnation was ever Up, or when the data path is down too.
/// </summary>
public sealed class ControlPlaneReadiness(INodeControlPlane controlPlane, OverlayDataplane dataplane) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (controlPlane.IsUp)
            return Task.FromResult(HealthCheckResult.Healthy(
                $"control plane up (incarnation {controlPlane.Incarnation}, since {controlPlane.Since:u})"));
        var reason = controlPlane.Current.Unavailable ?? "control plane not up";
        return Task.FromResult(controlPlane.Restarts > 0 && dataplane.IsRunning
            ? HealthCheckResult.Degraded($"{reason}; the data path keeps forwarding on its last table")
            : HealthCheckResult.Unhealthy(reason));
    }
}
