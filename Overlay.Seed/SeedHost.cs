using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Logging;
using Overlay.Hosting.Management;
using Overlay.Hosting.Metrics;
using Overlay.Hosting.Registry;
using Overlay.Seed.Membership;
using Overlay.Seed.Metrics;

namespace Overlay.Seed;

/// <summary>Wires and runs overlay-seed: Akka cluster member with the registry role, the
/// registry singleton over its SQL journal, the management HTTP routes and /metrics.</summary>
public static partial class SeedHost
{
    /// <summary>Runs until <paramref name="cancellation"/> or SIGTERM; then leaves the cluster.</summary>
    public static async Task RunAsync(SeedSettings settings, CancellationToken cancellation)
    {
        var builder = ManagementHost.CreateBuilder(settings.Management, settings.Log);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<NetworkConfigurer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NetworkConfigurer>());
        var registryHealth = new RegistryHealth();
        builder.Services.AddSingleton(registryHealth);
        builder.Services.AddHealthChecks()
            .AddCheck<NetworkConfigurer>("overlay.registry.configured", tags: [HealthEndpoints.ReadyTag])
            .AddCheck<RegistryHealth>(RegistryHealth.CheckName, tags: [HealthEndpoints.ReadyTag]);
        builder.Services.AddSingleton<IControlPlane, ActorSystemControlPlane>();
        builder.Services.AddOverlayMetrics(MetricNames.SeedMeter, "overlay-seed");
        builder.Services.AddSingleton<SeedMetrics>();
        builder.Services.AddSingleton<IMetricsRefresher>(sp => sp.GetRequiredService<SeedMetrics>());
        // A seed restarted after a crash joins later (SeedJoinPlan.JoinDelayFor): Akka starts with no
        // seed nodes and the join is scheduled below.
        var delayJoin = settings.JoinDelay > TimeSpan.Zero;
        builder.Services.AddAkka(ClusterSettings.SystemName, (akka, sp) => akka
            .WithOverlayCluster(delayJoin ? settings.Cluster with { Seeds = [] } : settings.Cluster)
            .WithSeedNodeTimeout(settings.SeedNodeTimeout)
            .AddStartup((system, _) =>
            {
                if (delayJoin)
                    ScheduleJoin(system, settings.Cluster.Seeds, settings.JoinDelay,
                        sp.GetRequiredService<ILoggerFactory>().CreateLogger("Overlay.Seed"));
            })
            .WithOverlayLogging(settings.Log)
            .WithLeaseRegistry(settings.Registry, settings.Storage, registryHealth)
            .WithActors((system, _, _) =>
            {
                system.ActorOf(LeaseEventObserver.Props(sp.GetRequiredService<SeedMetrics>()), "lease-event-metrics");
                system.ActorOf(MembershipRecorder.Props(settings.KnownMembersPath), "membership-recorder");
            }));

        var app = builder.Build();
        app.MapOverlayHealth("overlay-seed");
        app.MapClusterMembers();
        app.MapLeases();
        app.MapOverlayMetrics();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Overlay.Seed");
        LogStarting(logger, settings.Describe().ToLogLine());
        if (settings.SeedNodeTimeout is { } waitForCluster)
            LogWaitingForCluster(logger, waitForCluster.TotalSeconds);
        ClusterSecurityLog.WarnIfInsecure(logger, settings.Cluster);
        await app.StartAsync(cancellation);
        await app.WaitForShutdownAsync(cancellation);
    }

    /// <summary>Akka's seed-node-timeout when this start sets one (a seed its cluster downed,
    /// SeedJoinPlan.SeedNodeTimeoutFor); otherwise Akka's default stays.</summary>
    private static AkkaConfigurationBuilder WithSeedNodeTimeout(this AkkaConfigurationBuilder akka, TimeSpan? timeout) =>
        timeout is { } t ? akka.AddHocon($"akka.cluster.seed-node-timeout = {(long)t.TotalMilliseconds}ms", HoconAddMode.Prepend) : akka;

    private static void ScheduleJoin(Akka.Actor.ActorSystem system, IReadOnlyList<string> seeds, TimeSpan delay, ILogger logger)
    {
        var addresses = seeds.Select(Akka.Actor.Address.Parse).ToList();
        LogJoinDelayed(logger, delay.TotalSeconds, string.Join(",", seeds));
        system.Scheduler.Advanced.ScheduleOnce(delay, () => Akka.Cluster.Cluster.Get(system).JoinSeedNodes(addresses));
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "This seed remembers cluster members and did not " +
        "leave gracefully: joining in {Seconds}s, once they have removed its previous incarnation; seeds {Seeds}")]
    private static partial void LogJoinDelayed(ILogger logger, double seconds, string seeds);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "This seed was downed by its cluster, which most " +
        "likely lives on (perhaps behind a partition): it asks the members it remembers for up to {Seconds}s before it forms a cluster of its own")]
    private static partial void LogWaitingForCluster(ILogger logger, double seconds);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "overlay-seed starting: {Settings}")]
    private static partial void LogStarting(ILogger logger, string settings);
}
