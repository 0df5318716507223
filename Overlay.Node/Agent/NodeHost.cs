using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Actors.Leases;
using Overlay.Actors.Node;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Logging;
using Overlay.Hosting.Management;
using Overlay.Hosting.Metrics;
using Overlay.Hosting.Registry;
using Overlay.Node.Dataplane;
using Overlay.Node.IpMasq;
using Overlay.Node.Management;
using Overlay.Node.Metrics;

namespace Overlay.Node.Agent;

/// <summary>Wires and runs overlay-node: the Linux data path, owned by the process, and a
/// <see cref="ControlPlaneSupervisor"/> running one control-plane incarnation at a time (a cluster
/// member, role "node", with the registry proxy and the node actor over that data path); the
/// management routes, /metrics and, with --ip-masq, the masquerading rules follow the current
/// incarnation. A lost incarnation is replaced while the data path keeps forwarding. SIGTERM leaves
/// the cluster, stops the pumps and closes the device; the lease is kept.</summary>
public static partial class NodeHost
{
    /// <summary>The node agent's timings: unanswered lease requests are repeated every 2 s, the lease
    /// view is checked against the registry every 30 s.</summary>
    public static readonly NodeTimings Timings = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30));

    /// <summary>Runs until SIGTERM or <paramref name="cancellation"/>; returns the exit code (0, or
    /// <see cref="ControlPlaneConstants.SubnetConflictExitCode"/>).</summary>
    public static async Task<int> RunAsync(NodeSettings settings, CancellationToken cancellation)
    {
        var builder = ManagementHost.CreateBuilder(settings.Management, settings.Log);
        builder.Services.AddSingleton(sp => OverlayDataplane.CreateLinux(new DataplaneOptions
        {
            TunName = settings.TunName,
            UnderlayMtu = settings.UnderlayMtu,
            Mtu = settings.TunMtu,
            SubnetFilePath = settings.SubnetFile,
            SourceCheck = settings.SourceCheck,
            Offload = settings.Offload,
            TunQueues = settings.TunQueues,
            PumpScheduling = settings.PumpScheduling,
            IpMasq = settings.IpMasq,
        }, sp.GetRequiredService<ILogger<OverlayDataplane>>()));
        builder.Services.AddHostedService(sp => new LinkWatchdog(sp.GetRequiredService<OverlayDataplane>(), DataplaneConstants.LinkCheckInterval));
        builder.Services.AddSingleton<NodeReadiness>(); // one instance: it remembers a complete view was held
        builder.Services.AddSingleton<LeaseProblemBoard>();
        builder.Services.AddHealthChecks().AddCheck<NodeReadiness>("overlay.node.dataplane", tags: [HealthEndpoints.ReadyTag]);
        var identity = new NodeIdentity(settings.NodeName, settings.PublicIp, settings.Port, settings.RequestedSubnet);
        builder.Services.AddSingleton(sp => new ControlPlaneSupervisor(
            number => BuildIncarnation(settings, identity, sp),
            settings.EffectiveRegistryLostAfter,
            sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<ILogger<ControlPlaneSupervisor>>(),
            () => sp.GetRequiredService<OverlayDataplane>().Peers().Count));
        builder.Services.AddSingleton<INodeControlPlane>(sp => sp.GetRequiredService<ControlPlaneSupervisor>());
        builder.Services.AddSingleton<IControlPlane>(sp => sp.GetRequiredService<ControlPlaneSupervisor>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ControlPlaneSupervisor>());
        builder.Services.AddHostedService(sp => new PauseWatchdog(sp.GetRequiredService<OverlayDataplane>(),
            sp.GetRequiredService<ControlPlaneSupervisor>(), sp.GetRequiredService<ILogger<PauseWatchdog>>()));
        builder.Services.AddHealthChecks()
            .AddCheck<ControlPlaneReadiness>("overlay.node.control-plane", tags: [HealthEndpoints.ReadyTag])
            .AddCheck("overlay.node.alive", () => HealthCheckResult.Healthy("the process and its data path run"),
                tags: [HealthEndpoints.LivenessTag]);
        builder.Services.AddOverlayMetrics(MetricNames.NodeMeter, "overlay-node");
        builder.Services.AddSingleton<NodeMetrics>();
        builder.Services.AddSingleton<IMetricsRefresher>(sp => sp.GetRequiredService<NodeMetrics>());
        if (settings.IpMasq)
        {
            builder.Services.AddSingleton(new Iptables());
            builder.Services.AddSingleton(sp => new IpMasqService(sp.GetRequiredService<INodeControlPlane>(),
                sp.GetRequiredService<Iptables>(), settings.IptablesResync, sp.GetRequiredService<ILogger<IpMasqService>>()));
            builder.Services.AddHostedService(sp => sp.GetRequiredService<IpMasqService>());
            builder.Services.AddHealthChecks().AddCheck<IpMasqService>("overlay.node.ip-masq", tags: [HealthEndpoints.ReadyTag]);
        }

        var app = builder.Build();
        app.MapOverlayHealth("overlay-node");
        app.MapClusterMembers();
        app.MapNodeRoutes();
        app.MapOverlayMetrics();
        var dataplane = app.Services.GetRequiredService<OverlayDataplane>();
        // The data path outlives every control-plane incarnation: it stops only here, once the
        // supervisor ended the last incarnation (cluster left) on SIGTERM or a subnet conflict.
        app.Lifetime.ApplicationStopped.Register(dataplane.Stop);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Overlay.Node");
        LogStarting(logger, settings.Describe().ToLogLine());
        ClusterSecurityLog.WarnIfInsecure(logger, settings.Cluster);
        await app.StartAsync(cancellation);
        await app.WaitForShutdownAsync(cancellation);
        return app.Services.GetRequiredService<ControlPlaneSupervisor>().ExitCode;
    }

    /// <summary>
    /// The inner host of one control-plane incarnation: Akka.Hosting's AddAkka with the same wiring
    /// overlay-node always had (cluster, logging, registry proxy, node actor). It shares the outer
    /// host's logging and data path; its own lifetime is inert, so SIGTERM reaches it only through the
    /// supervisor (which leaves the cluster first) and its actor system ending stops only this host.
    /// </summary>
    private static IHost BuildIncarnation(NodeSettings settings, NodeIdentity identity, IServiceProvider outer)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(outer.GetRequiredService<ILoggerFactory>());
        builder.Services.AddSingleton<IHostLifetime, InertHostLifetime>();
        var dataplane = outer.GetRequiredService<OverlayDataplane>();
        builder.Services.AddAkka(ClusterSettings.SystemName, (akka, _) => akka
            .WithOverlayCluster(settings.Cluster)
            .WithOverlayLogging(settings.Log)
            .WithLeaseRegistryProxy()
            .WithActors((system, registry, _) =>
            {
                outer.GetRequiredService<LeaseProblemBoard>().Listen(system);
                var proxy = registry.Get<LeaseRegistryActor>();
                var node = system.ActorOf(NodeActor.Props(identity, Timings, proxy, dataplane), "node");
                registry.Register<NodeActor>(node);
            }));
        return builder.Build();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "overlay-node starting: {Settings}")]
    private static partial void LogStarting(ILogger logger, string settings);
}
