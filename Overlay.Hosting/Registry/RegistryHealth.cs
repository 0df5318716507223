using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Overlay.Hosting.Registry;

/// <summary>
/// Whether the registry hosted in this process can use its storage, as its supervisor last saw it;
/// also the readiness check that reports it. Failing from the first journal write or recovery
/// failure until a write succeeds again; the reason names the error and when the trouble began
/// ("registry journal unavailable: journal write failed: NpgsqlException: ... since 2026-12-05T11:02:03Z").
/// A process that does not host the singleton (another seed does) stays healthy here: it cannot see
/// the remote journal, and its overlay_registry_up metric reports whether the registry answers.
/// Thread-safe: the supervisor writes, health checks and metrics read one immutable record.
/// </summary>
public sealed class RegistryHealth : IHealthCheck
{
    private volatile Status _status = Status.Healthy;

    /// <summary>The readiness check's registration name.</summary>
    public const string CheckName = "overlay.registry.storage";

    /// <summary>True unless the registry in this process is failing to write or recover.</summary>
    public bool IsHealthy => _status.Since is null;

    /// <summary>The reason readiness is false (null when healthy).</summary>
    public string? Reason => _status.Since is { } since
        ? $"registry journal unavailable: {_status.Error} since {since.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}"
        : null;

    /// <summary>Records a storage failure; the first one since the last success sets the "since" time.</summary>
    public void Fail(string error, DateTimeOffset now)
    {
        var current = _status;
        _status = new Status(error, current.Since ?? now);
    }

    /// <summary>Records that the registry recovered and wrote again.</summary>
    public void Recover() => _status = Status.Healthy;

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Reason is { } reason
            ? HealthCheckResult.Unhealthy(reason)
            : HealthCheckResult.Healthy("the registry's storage answers (or the registry runs elsewhere)"));

    private sealed record Status(string? Error, DateTimeOffset? Since)
    {
        public static readonly Status Healthy = new(null, null);
    }
}
