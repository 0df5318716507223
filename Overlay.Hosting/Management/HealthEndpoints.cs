using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

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
        var ready = new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag), ResponseWriter = WriteWithReasons };
        app.MapHealthChecks("/health/alive", alive);
        app.MapHealthChecks("/health/ready", ready);
        app.MapGet("/healthz", () => Results.Text($"{processName} is running"));
        app.MapHealthChecks("/readyz", ready);
        return app;
    }

    /// <summary>Readiness text: the overall status on the first line (what the default writer
    /// prints), then one line per check that is not healthy or has something to say, "name: status:
    /// description", so that an operator sees why (e.g. "no lease: lease refused: node name h2 is
    /// held by ...", or a seed's network config drift).</summary>
    private static Task WriteWithReasons(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var text = new System.Text.StringBuilder(report.Status.ToString()).Append('\n');
        foreach (var (name, entry) in report.Entries)
        {
            if (entry.Status != HealthStatus.Healthy || !string.IsNullOrEmpty(entry.Description))
                text.Append(name).Append(": ").Append(entry.Status).Append(": ").Append(entry.Description).Append('\n');
        }
        return context.Response.WriteAsync(text.ToString());
    }
}
