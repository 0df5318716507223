using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Actors.Leases;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Registry;
using Overlay.Hosting.Storage;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// One cluster member in the bench process, wired as overlay-seed and overlay-node wire themselves
/// (OverlayAkkaHosting.WithOverlayCluster + RegistryHosting), like the cluster tests' ClusterMember.
/// With storage it hosts the registry singleton; without, it reaches it through the proxy.
/// Dispose leaves the cluster gracefully. Log lines at Information and above go to
/// <see cref="Log"/> (the recovery bench reads the registry's recovery time from there).
/// </summary>
public sealed class BenchMember : IAsyncDisposable
{
    private readonly IHost _host;

    private BenchMember(IHost host, ActorSystem system, IActorRef registry, LogCapture log)
    {
        _host = host;
        System = system;
        Registry = registry;
        Log = log;
    }

    /// <summary>The member's actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>The registry singleton proxy on this member.</summary>
    public IActorRef Registry { get; }

    /// <summary>Captured log lines of this member.</summary>
    public LogCapture Log { get; }

    /// <summary>This member's cluster address.</summary>
    public Address Address => Akka.Cluster.Cluster.Get(System).SelfAddress;

    /// <summary>Starts a member on <paramref name="host"/> (port 0: a free one) and joins
    /// <paramref name="join"/> (an address), or itself when null.</summary>
    public static async Task<BenchMember> StartAsync(StorageSettings? storage, RegistrySettings? registry,
        string? join, string host = "127.0.0.1", Overlay.Hosting.Cluster.Tls.ClusterTls? tls = null)
    {
        var roles = storage is null ? new[] { ClusterRoles.Node } : new[] { ClusterRoles.Seed, ClusterRoles.Registry };
        var cluster = new ClusterSettings(host, 0, [], roles, BindHost: host, Tls: tls);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var log = new LogCapture();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(log);
        builder.Services.AddAkka(ClusterSettings.SystemName, (akka, _) =>
        {
            akka.WithOverlayCluster(cluster);
            if (storage is not null)
                akka.WithLeaseRegistry(registry ?? RegistrySettings.Default, storage);
            else
                akka.WithLeaseRegistryProxy();
        });
        var app = builder.Build();
        await app.StartAsync();
        var system = app.Services.GetRequiredService<ActorSystem>();
        var proxy = await app.Services.GetRequiredService<IRequiredActor<LeaseRegistryActor>>().ResolveAsync(BenchConstants.FormTimeout);
        var self = Akka.Cluster.Cluster.Get(system);
        var target = join is not null ? Address.Parse(join) : self.SelfAddress;
        await self.JoinAsync(target).WaitAsync(BenchConstants.FormTimeout);
        return new BenchMember(app, system, proxy, log);
    }

    /// <summary>Asks the registry, retrying while the singleton is not reachable yet (the proxy
    /// buffers, but an ask may time out while the singleton starts).</summary>
    public async Task<object> AskRegistryAsync(ILeaseRegistryCommand command)
    {
        var deadline = DateTime.UtcNow + BenchConstants.FormTimeout;
        while (true)
        {
            try
            {
                return await Registry.Ask<object>(command, BenchConstants.AskTimeout);
            }
            catch (AskTimeoutException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    /// <summary>Leaves the cluster and stops (coordinated shutdown).</summary>
    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TimeSpan.FromSeconds(30));
        _host.Dispose();
    }
}
