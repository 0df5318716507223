using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Management;
using Overlay.Hosting.Registry;

namespace Overlay.Seed;

/// <summary>Wires and runs overlay-seed: Akka cluster member with the registry role, the
/// registry singleton over its SQL journal, and the management HTTP routes.</summary>
public static partial class SeedHost
{
    /// <summary>Runs until <paramref name="cancellation"/> or SIGTERM; then leaves the cluster.</summary>
    public static async Task RunAsync(SeedSettings settings, CancellationToken cancellation)
    {
        var builder = ManagementHost.CreateBuilder(settings.Management);
        builder.Services.AddSingleton(settings.Network);
        builder.Services.AddSingleton<NetworkConfigurer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NetworkConfigurer>());
        builder.Services.AddHealthChecks()
            .AddCheck<NetworkConfigurer>("overlay.registry.configured", tags: [HealthEndpoints.ReadyTag]);
        builder.Services.AddAkka(ClusterSettings.SystemName, (akka, _) => akka
            .WithOverlayCluster(settings.Cluster)
            .WithLeaseRegistry(settings.Registry, settings.Storage));

        var app = builder.Build();
        app.MapOverlayHealth("overlay-seed");
        app.MapClusterMembers();
        app.MapLeases();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Overlay.Seed");
        LogStarting(logger, settings.Cluster.SelfAddress, string.Join(",", settings.Cluster.Seeds), settings.Network.Network.ToString(),
            settings.NetConfigSource, settings.Storage.Provider.ToString(), settings.Storage.Redacted,
            $"{settings.Management.Host}:{settings.Management.Port}", settings.Registry.Ttl, settings.Registry.GracePeriod);
        await app.StartAsync(cancellation);
        await app.WaitForShutdownAsync(cancellation);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "overlay-seed starting: address {Address}, seeds {Seeds}, network {Network} from {NetConfigSource}, storage {Provider} {Connection}, management {Management}, lease TTL {Ttl}, grace {Grace}")]
    private static partial void LogStarting(ILogger logger, string address, string seeds, string network, string netConfigSource,
        string provider, string connection, string management, TimeSpan ttl, TimeSpan grace);
}
