using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Overlay.Hosting.Management;

/// <summary>
/// Health routes: Akka Management's /health/alive and /health/ready and flannel's /healthz and
/// /readyz. Liveness runs the checks tagged "liveness"; readiness those tagged "ready" (Akka's
/// cluster-joined check plus each process's own, e.g. "lease held and TUN up" on a node).
/// </summary>
public static class HealthEndpoints
{
    /// <summary>Tag of checks that decide liveness.</summary>
    public const string LivenessTag = "liveness";

    /// <summary>Tag of checks that decide readiness.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Maps the routes; <paramref name="processName"/> appears in the /healthz text.</summary>
    public static IEndpointRouteBuilder MapOverlayHealth(this IEndpointRouteBuilder app, string processName)
    {
        var alive = new HealthCheckOptions { Predicate = r => r.Tags.Contains(LivenessTag) };
        var ready = new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag), ResponseWriter = WriteReasonsAsync };
        app.MapHealthChecks("/health/alive", alive);
        app.MapHealthChecks("/health/ready", ready);
        app.MapGet("/healthz", () => Results.Text($"{processName} is running"));
        app.MapHealthChecks("/readyz", ready);
        return app;
    }

    /// <summary>The status ("Healthy", "Degraded", "Unhealthy") as before, and when not healthy the
    /// reason of every check that is not, so an operator sees why without reading the log, e.g.
    /// "Unhealthy: overlay.node.dataplane: view incomplete: piece 3 of 66 of registry version 70001".</summary>
    private static Task WriteReasonsAsync(HttpContext context, Microsoft.Extensions.Diagnostics.HealthChecks.HealthReport report)
    {
        context.Response.ContentType = "text/plain";
        var reasons = report.Entries
            .Where(e => e.Value.Status != Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy)
            .Select(e => $"{e.Key}: {e.Value.Description ?? e.Value.Exception?.Message ?? e.Value.Status.ToString()}")
            .ToList();
        return context.Response.WriteAsync(reasons.Count == 0
            ? report.Status.ToString()
            : $"{report.Status}: {string.Join("; ", reasons)}");
    }
}
