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
        var alive = new HealthCheckOptions { Predicate = r => r.Tags.Contains(LivenessTag), ResponseWriter = WriteReport };
        var ready = new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag), ResponseWriter = WriteReport };
        app.MapHealthChecks("/health/alive", alive);
        app.MapHealthChecks("/health/ready", ready);
        app.MapGet("/healthz", () => Results.Text($"{processName} is running"));
        app.MapHealthChecks("/readyz", ready);
        return app;
    }

    /// <summary>Plain text: the overall status ("Healthy", as ASP.NET's default writer), then one line
    /// per check that is not healthy with its reason ("overlay.registry.storage: registry journal
    /// unavailable: ... since ..."), so that a probe's 503 says why.</summary>
    public static Task WriteReport(HttpContext context, HealthReport report)
    {
        var text = new System.Text.StringBuilder(report.Status.ToString());
        foreach (var (name, entry) in report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy))
            text.Append('\n').Append(name).Append(": ").Append(entry.Description ?? entry.Exception?.Message ?? entry.Status.ToString());
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text.ToString());
    }
}
