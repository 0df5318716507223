using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Hosting.Cluster;

namespace Overlay.Seed;

/// <summary>
/// Hands the seed's net-conf.json to the registry (the one source of truth that nodes read it
/// from), retrying until the registry answers: it may not have started or may be failing over.
/// Doubles as the seed's readiness check: ready once the registry accepted the config.
/// </summary>
public sealed partial class NetworkConfigurer(
    NetworkConfig config, IRequiredActor<LeaseRegistryActor> registry, ILogger<NetworkConfigurer> logger)
    : BackgroundService, IHealthCheck
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);
    private volatile bool _configured;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var proxy = await registry.ResolveAsync(Timeout.InfiniteTimeSpan, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var reply = await proxy.Ask<NetworkConfigured>(new ConfigureNetwork(config), AttemptTimeout, stoppingToken);
                _configured = true;
                LogConfigured(logger, reply.Config.Network.ToString(), reply.Version);
                return;
            }
            catch (AskTimeoutException)
            {
                LogWaiting(logger, AttemptTimeout.TotalSeconds);
            }
            catch (TaskCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_configured
            ? HealthCheckResult.Healthy("the registry holds the network config")
            : HealthCheckResult.Unhealthy("the registry has not confirmed the network config yet"));

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Registry configured with network {Network} at version {Version}")]
    private static partial void LogConfigured(ILogger logger, string network, long version);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Registry did not answer within {Seconds}s; retrying")]
    private static partial void LogWaiting(ILogger logger, double seconds);
}
