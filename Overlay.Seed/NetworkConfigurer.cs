using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Metrics;

namespace Overlay.Seed;

/// <summary>
/// Hands the seed's net-conf.json to the registry (the one source of truth that nodes read it
/// from), retrying until the registry answers: it may not have started or may be failing over.
/// Doubles as the seed's readiness check: ready once the registry holds a config.
/// </summary>
/// <remarks>
/// The journal's config wins (F29): the seed offers its file (<see cref="ConfigureNetwork"/>),
/// which the registry takes only when it has no config yet. When the registry holds a different one,
/// nothing changes and no lease ends; this seed reports the drift (a Warning naming both configs,
/// <c>overlay_registry_config_drift</c> 1, readiness Degraded with both configs) and stays ready:
/// the registry works with the journal's config. With <c>--net-config-apply</c> the seed sends
/// <see cref="ApplyNetworkConfig"/> instead, which makes its file the registry's config and ends
/// the leases the new config no longer admits.
/// </remarks>
public sealed partial class NetworkConfigurer : BackgroundService, IHealthCheck
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);
    private readonly NetworkConfig _config;
    private readonly bool _apply;
    private readonly IRequiredActor<LeaseRegistryActor> _registry;
    private readonly ILogger<NetworkConfigurer> _logger;
    private volatile bool _configured;
    private volatile NetworkConfigDrifted? _drift;

    /// <summary>Creates the service; <paramref name="settings"/> gives the config and whether to apply it.</summary>
    public NetworkConfigurer(SeedSettings settings, IRequiredActor<LeaseRegistryActor> registry,
        ILogger<NetworkConfigurer> logger, IMeterFactory meters)
    {
        _config = settings.Network;
        _apply = settings.NetConfigApply;
        _registry = registry;
        _logger = logger;
        meters.Create(MetricNames.SeedMeter).CreateObservableGauge(MetricNames.RegistryConfigDrift,
            () => _drift is null ? 0 : 1,
            description: "1 when the registry's network config (from its journal) differs from this seed's net-conf.json, which was then not applied.");
    }

    /// <summary>The registry's answer when it kept a different config, or null.</summary>
    public NetworkConfigDrifted? Drift => _drift;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var proxy = await _registry.ResolveAsync(Timeout.InfiniteTimeSpan, stoppingToken);
        ILeaseRegistryCommand command = _apply ? new ApplyNetworkConfig(_config) : new ConfigureNetwork(_config);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var reply = await proxy.Ask<IOverlayMessage>(command, AttemptTimeout, stoppingToken);
                switch (reply)
                {
                    case NetworkConfigured configured:
                        _drift = null;
                        _configured = true;
                        LogConfigured(_logger, configured.Config.Describe(), configured.Version, _apply);
                        return;
                    case NetworkConfigDrifted drift:
                        _drift = drift;
                        _configured = true;
                        LogDrift(_logger, drift.Current.Describe(), drift.Offered.Describe(), drift.Version);
                        return;
                    case LeaseRefused refused:
                        // The registry does not see this seed as a live registry member yet (it is
                        // still joining): retry.
                        LogRefused(_logger, refused.Reason, AttemptTimeout.TotalSeconds);
                        break;
                    default:
                        LogUnexpected(_logger, reply.ToString() ?? reply.GetType().Name, AttemptTimeout.TotalSeconds);
                        break;
                }
                await Task.Delay(AttemptTimeout, stoppingToken);
            }
            catch (AskTimeoutException)
            {
                LogWaiting(_logger, AttemptTimeout.TotalSeconds);
            }
            catch (TaskCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_drift is { } drift
            ? HealthCheckResult.Degraded(
                $"network config drift: the registry keeps {drift.Current.Describe()} from its journal; this seed's " +
                $"net-conf.json {drift.Offered.Describe()} was not applied (--net-config-apply applies it)")
            : _configured
                ? HealthCheckResult.Healthy("the registry holds the network config")
                : HealthCheckResult.Unhealthy("the registry has not confirmed the network config yet"));

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Registry configured with network {Network} at version {Version} (apply {Apply})")]
    private static partial void LogConfigured(ILogger logger, string network, long version, bool apply);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Registry did not answer within {Seconds}s; retrying")]
    private static partial void LogWaiting(ILogger logger, double seconds);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Network config drift: the registry keeps {Current} from its journal (version {Version}); this seed's net-conf.json {Offered} was not applied and no lease ended (restart with --net-config-apply to apply it)")]
    private static partial void LogDrift(ILogger logger, string current, string offered, long version);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Registry refused this seed's network config: {Reason}; retrying in {Seconds}s")]
    private static partial void LogRefused(ILogger logger, string reason, double seconds);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "Registry answered the network config with {Reply}; retrying in {Seconds}s")]
    private static partial void LogUnexpected(ILogger logger, string reply, double seconds);
}
