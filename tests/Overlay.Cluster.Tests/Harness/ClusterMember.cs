using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Actors.Leases;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Registry;
using Overlay.Hosting.Storage;

namespace Overlay.Cluster.Tests.Harness;

/// <summary>
/// One cluster member in the test process, wired exactly as the processes wire themselves
/// (OverlayAkkaHosting + RegistryHosting, mutual TLS with <see cref="TestCertificates"/>), on 127.0.0.1 with a free port. Members with storage
/// carry the registry role and can host the singleton; all reach it through the proxy.
/// Dispose leaves the cluster gracefully.
/// </summary>
public sealed class ClusterMember : IAsyncDisposable
{
    private readonly IHost _host;
    private int _disposed;

    private ClusterMember(IHost host, ActorSystem system, IActorRef registry)
    {
        _host = host;
        System = system;
        Registry = registry;
    }

    /// <summary>The member's actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>The registry singleton proxy on this member.</summary>
    public IActorRef Registry { get; }

    /// <summary>This member's cluster address.</summary>
    public Akka.Actor.Address Address => Akka.Cluster.Cluster.Get(System).SelfAddress;

    /// <summary>Starts a member; it joins <paramref name="seedAddress"/>, else <paramref name="joinTo"/>, else itself.
    /// With <paramref name="storage"/> it has the registry role. <paramref name="port"/> 0 picks a free one.</summary>
    public static async Task<ClusterMember> StartAsync(StorageSettings? storage, RegistrySettings? registry = null,
        ClusterMember? joinTo = null, string? extraHocon = null, string? seedAddress = null, int port = 0,
        ILoggerProvider? logs = null)
    {
        var roles = storage is null ? new[] { ClusterRoles.Node } : new[] { ClusterRoles.Seed, ClusterRoles.Registry };
        var cluster = new ClusterSettings("127.0.0.1", port, [], roles, BindHost: "127.0.0.1", Tls: TestCertificates.Member);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        if (logs is not null)
            builder.Logging.AddProvider(logs);
        builder.Services.AddAkka(ClusterSettings.SystemName, (akka, _) =>
        {
            akka.WithOverlayCluster(cluster);
            if (extraHocon is not null)
                akka.AddHocon(extraHocon, HoconAddMode.Prepend);
            if (storage is not null)
                akka.WithLeaseRegistry(registry ?? TestRegistrySettings.Fast, storage);
            else
                akka.WithLeaseRegistryProxy();
        });
        var host = builder.Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var proxy = await host.Services.GetRequiredService<IRequiredActor<LeaseRegistryActor>>().ResolveAsync(TimeSpan.FromSeconds(30));
        var member = new ClusterMember(host, system, proxy);
        var self = Akka.Cluster.Cluster.Get(system);
        var target = seedAddress is not null ? Akka.Actor.Address.Parse(seedAddress) : joinTo?.Address ?? self.SelfAddress;
        await self.JoinAsync(target).WaitAsync(TimeSpan.FromSeconds(30));
        return member;
    }

    /// <summary>Leaves the cluster and stops (coordinated shutdown). Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        await _host.StopAsync(TimeSpan.FromSeconds(30));
        _host.Dispose();
    }
}

/// <summary>Registry timings short enough for tests.</summary>
public static class TestRegistrySettings
{
    /// <summary>TTL 1h, grace 3s, sweep 200ms, snapshot every 5 events.</summary>
    public static readonly RegistrySettings Fast =
        new(TimeSpan.FromHours(1), TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(200), 5);
}
