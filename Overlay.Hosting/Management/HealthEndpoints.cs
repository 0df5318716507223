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
        var alive = new HealthCheckOptions { Predicate = r => r.Tags.Contains(LivenessTag), ResponseWriter = WriteText };
        var ready = new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag), ResponseWriter = WriteText };
        app.MapHealthChecks("/health/alive", alive);
        app.MapHealthChecks("/health/ready", ready);
        app.MapGet("/healthz", () => Results.Text($"{processName} is running"));
        app.MapHealthChecks("/readyz", ready);
        return app;
    }

    /// <summary>The overall status on the first line (what the default writer gave), then one line per
    /// check with its description, so that "why not ready" needs no log.</summary>
    private static Task WriteText(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var text = new System.Text.StringBuilder(report.Status.ToString()).Append('\n');
        foreach (var (name, entry) in report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
            text.Append(name).Append(": ").Append(entry.Status).Append(entry.Description is { } d ? " - " + d : "").Append('\n');
        return context.Response.WriteAsync(text.ToString());
    }
}
