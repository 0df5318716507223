using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
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

/// <summary>Wires and runs overlay-node: a cluster member (role "node") with the registry proxy,
/// the node actor over the Linux data path, the management routes, /metrics and, with --ip-masq,
/// the masquerading rules. SIGTERM leaves the
/// cluster, stops the pumps and closes the device; the lease is kept.</summary>
public static partial class NodeHost
{
    /// <summary>How often unanswered lease requests are repeated.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(2);

    /// <summary>How often the lease view is re-read from the registry.</summary>
    public static readonly TimeSpan ResyncInterval = TimeSpan.FromSeconds(30);

    /// <summary>Runs until SIGTERM or <paramref name="cancellation"/>.</summary>
    public static async Task RunAsync(NodeSettings settings, CancellationToken cancellation)
    {
        var builder = ManagementHost.CreateBuilder(settings.Management, settings.Log);
        builder.Services.AddSingleton(sp => OverlayDataplane.CreateLinux(new DataplaneOptions
        {
            TunName = settings.TunName,
            UnderlayMtu = settings.UnderlayMtu,
            SubnetFilePath = settings.SubnetFile,
            SourceCheck = settings.SourceCheck,
            Offload = settings.Offload,
            TunQueues = settings.TunQueues,
            PumpScheduling = settings.PumpScheduling,
            IpMasq = settings.IpMasq,
        }, sp.GetRequiredService<ILogger<OverlayDataplane>>()));
        builder.Services.AddHealthChecks().AddCheck<NodeReadiness>("overlay.node.dataplane", tags: [HealthEndpoints.ReadyTag]);
        builder.Services.AddOverlayMetrics(MetricNames.NodeMeter, "overlay-node");
        builder.Services.AddSingleton<NodeMetrics>();
        builder.Services.AddSingleton<IMetricsRefresher>(sp => sp.GetRequiredService<NodeMetrics>());
        if (settings.IpMasq)
        {
            builder.Services.AddSingleton(new Iptables());
            builder.Services.AddSingleton(sp => new IpMasqService(sp.GetRequiredService<IRequiredActor<NodeActor>>(),
                sp.GetRequiredService<Iptables>(), settings.IptablesResync, sp.GetRequiredService<ILogger<IpMasqService>>()));
            builder.Services.AddHostedService(sp => sp.GetRequiredService<IpMasqService>());
            builder.Services.AddHealthChecks().AddCheck<IpMasqService>("overlay.node.ip-masq", tags: [HealthEndpoints.ReadyTag]);
        }
        var identity = new NodeIdentity(settings.NodeName, settings.PublicIp, settings.Port, settings.RequestedSubnet,
            RetryInterval, ResyncInterval);
        builder.Services.AddAkka(ClusterSettings.SystemName, (akka, sp) => akka
            .WithOverlayCluster(settings.Cluster)
            .WithOverlayLogging(settings.Log)
            .WithLeaseRegistryProxy()
            .WithActors((system, registry, _) =>
            {
                var proxy = registry.Get<LeaseRegistryActor>();
                var node = system.ActorOf(NodeActor.Props(identity, proxy, sp.GetRequiredService<OverlayDataplane>()), "node");
                registry.Register<NodeActor>(node);
            }));

        var app = builder.Build();
        app.MapOverlayHealth("overlay-node");
        app.MapClusterMembers();
        app.MapNodeRoutes();
        app.MapOverlayMetrics();
        var dataplane = app.Services.GetRequiredService<OverlayDataplane>();
        // Belt and braces: the node actor stops the data path when the actor system terminates;
        // this covers a host that stops before the actor system ever started it.
        app.Lifetime.ApplicationStopped.Register(dataplane.Stop);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Overlay.Node");
        LogStarting(logger, settings.Describe().ToLogLine());
        ClusterSecurityLog.WarnIfInsecure(logger, settings.Cluster);
        await app.StartAsync(cancellation);
        await app.WaitForShutdownAsync(cancellation);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "overlay-node starting: {Settings}")]
    private static partial void LogStarting(ILogger logger, string settings);
}
