using Overlay.Testing;
using System.Net;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Overlay.Actors.Leases;
using Overlay.Actors.Node;
using Overlay.Cluster.Tests.Harness;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Registry;
using Overlay.Node.Agent;
using Overlay.Node.Dataplane;
using Overlay.Node.Tun;
using Overlay.Node.Udp;

namespace Overlay.Cluster.Tests;

/// <summary>
/// overlay-node's control-plane supervisor in one process: a seed with the registry and a node whose
/// incarnations are inner hosts wired as overlay-node wires them, over the real data path on the
/// in-memory fakes. A node downed by the cluster gets a fresh incarnation that rejoins, while the data
/// path keeps running on the same device and never loses its lease or a route. A node left in a
/// cluster without a registry (the seed restarted and formed a new cluster) joins the seeds again.
/// </summary>
public sealed class ControlPlaneRestartSpec
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_downed_node_rejoins_as_a_fresh_incarnation_while_its_data_path_runs_on()
    {
        var network = new ChannelUdpNetwork();
        await using var seed = await ClusterMember.StartAsync(TestStorage.NewSqlite());
        await RegistryPersistenceSpec.ConfigureAsync(seed.Registry);
        await using var peer = await FakeNode.StartAsync("peer", IPAddress.Parse("192.0.2.21"), seed, network);

        var tunsOpened = 0;
        var dataplane = new OverlayDataplane(
            new DataplaneOptions
            {
                TunName = "ovl-me",
                UnderlayMtu = 1500,
                BindAddress = IPAddress.Parse("192.0.2.22"),
                SubnetFilePath = Path.Combine(Path.GetTempPath(), $"overlay-restart-{Guid.NewGuid():N}", "subnet.env"),
            },
            (name, mtu, _) =>
            {
                Interlocked.Increment(ref tunsOpened);
                return new ChannelTunDevice(name, mtu);
            },
            network.Bind,
            NoLinkConfigurator.Instance);
        var identity = new NodeIdentity("me", IPAddress.Parse("192.0.2.22"), 8285, null);
        var lifetime = new TestLifetime();
        var supervisor = new ControlPlaneSupervisor(_ => BuildIncarnation(seed.Address, identity, dataplane), TimeSpan.FromSeconds(20),
            lifetime, NullLogger<ControlPlaneSupervisor>.Instance, () => dataplane.Peers().Count,
            initialBackoff: TimeSpan.FromMilliseconds(200));
        await supervisor.StartAsync(CancellationToken.None);
        try
        {
            await Poll.UntilTrueAsync(() => supervisor.IsUp && dataplane.IsRunning && dataplane.Peers().Count == 1, Long,
                "the node to be Up, serve its lease and route to the peer");
            var subnet = dataplane.ServedSubnet!.Value;
            var route = Assert.Single(dataplane.Peers());
            var first = supervisor.Current.System!;
            var firstAddress = Akka.Cluster.Cluster.Get(first).SelfAddress;

            // Watch the data path for the whole episode: it must never stop or lose the route.
            using var watching = new CancellationTokenSource();
            var interruptions = 0;
            var watcher = Task.Run(async () =>
            {
                while (!watching.IsCancellationRequested)
                {
                    if (!dataplane.IsRunning || dataplane.ServedSubnet != subnet || dataplane.Peers().Count != 1)
                        Interlocked.Increment(ref interruptions);
                    await Task.Delay(10);
                }
            });

            Akka.Cluster.Cluster.Get(seed.System).Down(firstAddress);
            await first.WhenTerminated.WaitAsync(Long);
            await Poll.UntilTrueAsync(() => supervisor.IsUp && supervisor.Incarnation == 2, Long, "a second incarnation to be Up");
            Assert.Equal(1, supervisor.Restarts);
            Assert.Contains("downed", supervisor.LastEndReason);
            var second = supervisor.Current.System!;
            Assert.NotSame(first, second);
            var secondAddress = Akka.Cluster.Cluster.Get(second).SelfAddress;
            await Poll.UntilTrueAsync(() => Akka.Cluster.Cluster.Get(seed.System).State.Members
                    .Any(m => m.Address == secondAddress && m.Status == Akka.Cluster.MemberStatus.Up), Long,
                "the seed to see the fresh incarnation Up");

            // The fresh node actor holds the same lease, and the data path it found is the one that ran.
            var status = await Poll.UntilAsync(async () =>
            {
                var s = await supervisor.Current.Agent!.Ask<NodeStatus>(GetNodeStatus.Instance, TimeSpan.FromSeconds(3));
                return s.Lease is not null && s.Peers.Count == 1 ? s : null;
            }, Long, "the fresh node actor to hold its lease and the peer route");
            Assert.Equal(subnet, status.Lease!.Subnet);
            watching.Cancel();
            await watcher;
            Assert.Equal(0, interruptions);
            Assert.Equal(1, Volatile.Read(ref tunsOpened));
            Assert.Same(route.Counters, Assert.Single(dataplane.Peers()).Counters);
            Assert.Equal(0, supervisor.ExitCode);
            Assert.False(lifetime.StopRequested);

            // A grant of another subnet under the running data path stops the process, non-zero.
            second.EventStream.Publish(new DataPathSubnetConflict(subnet, Overlay.Actors.Addressing.Ipv4Subnet.Parse("10.244.250.0/24")));
            await Poll.UntilTrueAsync(() => lifetime.StopRequested, Long, "the supervisor to stop the process");
            Assert.Equal(ControlPlaneConstants.SubnetConflictExitCode, supervisor.ExitCode);
        }
        finally
        {
            await supervisor.StopAsync(CancellationToken.None);
            dataplane.Stop();
        }
        Assert.Null(supervisor.Current.System);
    }

    [Fact]
    public async Task A_node_back_from_a_long_pause_withdraws_its_subnet_rejoins_at_once_and_serves_it_again_when_granted()
    {
        var network = new ChannelUdpNetwork();
        await using var seed = await ClusterMember.StartAsync(TestStorage.NewSqlite());
        await RegistryPersistenceSpec.ConfigureAsync(seed.Registry);
        var subnetFile = Path.Combine(Path.GetTempPath(), $"overlay-pause-{Guid.NewGuid():N}", "subnet.env");
        var dataplane = new OverlayDataplane(
            new DataplaneOptions { TunName = "ovl-pause", UnderlayMtu = 1500, BindAddress = IPAddress.Parse("192.0.2.24"), SubnetFilePath = subnetFile },
            (name, mtu, _) => new ChannelTunDevice(name, mtu), network.Bind, new FakeLinkConfigurator());
        var identity = new NodeIdentity("paused", IPAddress.Parse("192.0.2.24"), 8285, null);
        var supervisor = new ControlPlaneSupervisor(_ => BuildIncarnation(seed.Address, identity, dataplane), TimeSpan.FromSeconds(20),
            new TestLifetime(), NullLogger<ControlPlaneSupervisor>.Instance, () => dataplane.Peers().Count,
            initialBackoff: TimeSpan.FromMilliseconds(200));
        await supervisor.StartAsync(CancellationToken.None);
        try
        {
            await Poll.UntilTrueAsync(() => supervisor.IsUp && dataplane.IsRunning, Long, "the node to be Up and serve its lease");
            var subnet = dataplane.ServedSubnet!.Value;
            var first = supervisor.Current.System!;

            // What PauseWatchdog does when the process continues after a long stop.
            dataplane.Withdraw("the test paused it");
            supervisor.EndIncarnation("the test paused it");

            await first.WhenTerminated.WaitAsync(Long);
            await Poll.UntilTrueAsync(() => dataplane.Withdrawn is null, Long, "the fresh incarnation's grant to serve the subnet again");
            Assert.Equal(subnet, dataplane.ServedSubnet);
            Assert.True(File.Exists(subnetFile));
            Assert.Equal(2, supervisor.Incarnation);
            Assert.Equal("the test paused it", supervisor.LastEndReason);
            Assert.Equal(0, supervisor.ExitCode);
        }
        finally
        {
            await supervisor.StopAsync(CancellationToken.None);
            dataplane.Stop();
            Directory.Delete(Path.GetDirectoryName(subnetFile)!, recursive: true);
        }
    }

    [Fact]
    public async Task A_node_left_without_a_registry_joins_the_restarted_seed_as_a_fresh_incarnation()
    {
        var network = new ChannelUdpNetwork();
        var storage = TestStorage.NewSqlite();
        var seedPort = FreePort.Next();
        var seed = await ClusterMember.StartAsync(storage, port: seedPort);
        await RegistryPersistenceSpec.ConfigureAsync(seed.Registry);
        var seedAddress = seed.Address;
        var dataplane = new OverlayDataplane(
            new DataplaneOptions
            {
                TunName = "ovl-island",
                UnderlayMtu = 1500,
                BindAddress = IPAddress.Parse("192.0.2.23"),
                SubnetFilePath = Path.Combine(Path.GetTempPath(), $"overlay-island-{Guid.NewGuid():N}", "subnet.env"),
            },
            (name, mtu, _) => new ChannelTunDevice(name, mtu), network.Bind, NoLinkConfigurator.Instance);
        var identity = new NodeIdentity("island", IPAddress.Parse("192.0.2.23"), 8285, null);
        var supervisor = new ControlPlaneSupervisor(_ => BuildIncarnation(seedAddress, identity, dataplane), TimeSpan.FromSeconds(2),
            new TestLifetime(), NullLogger<ControlPlaneSupervisor>.Instance, () => dataplane.Peers().Count,
            initialBackoff: TimeSpan.FromMilliseconds(200));
        await supervisor.StartAsync(CancellationToken.None);
        ClusterMember? restarted = null;
        try
        {
            await Poll.UntilTrueAsync(() => supervisor.IsUp && dataplane.IsRunning, Long, "the node to be Up and serve its lease");
            var subnet = dataplane.ServedSubnet!.Value;

            // The seed goes away (gracefully: no downing) and comes back as a new cluster on the same address.
            await seed.DisposeAsync();
            await Poll.UntilTrueAsync(() => supervisor.Restarts >= 1, Long, "the node to give up the cluster without a registry");
            Assert.Contains("no registry member", supervisor.LastEndReason);
            Assert.True(dataplane.IsRunning, "the data path stopped with the island incarnation");
            restarted = await ClusterMember.StartAsync(storage, port: seedPort);
            await Poll.UntilTrueAsync(() => supervisor.IsUp, Long, "a fresh incarnation to join the restarted seed");
            var status = await Poll.UntilAsync(async () =>
            {
                var s = await supervisor.Current.Agent!.Ask<NodeStatus>(GetNodeStatus.Instance, TimeSpan.FromSeconds(3));
                return s.Lease is not null ? s : null;
            }, Long, "the fresh node actor to hold its lease");
            Assert.Equal(subnet, status.Lease!.Subnet);
            Assert.Equal(subnet, dataplane.ServedSubnet);
        }
        finally
        {
            await supervisor.StopAsync(CancellationToken.None);
            dataplane.Stop();
            if (restarted is not null)
                await restarted.DisposeAsync();
            await seed.DisposeAsync();
        }
    }

    /// <summary>As overlay-node's NodeHost.BuildIncarnation, on loopback port 0 with the seed as the one seed.</summary>
    private static IHost BuildIncarnation(Address seed, NodeIdentity identity, OverlayDataplane dataplane)
    {
        var cluster = new ClusterSettings("127.0.0.1", 0, [seed.ToString()], [ClusterRoles.Node], BindHost: "127.0.0.1",
            Tls: TestCertificates.Member);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        builder.Services.AddSingleton<IHostLifetime, InertHostLifetime>();
        builder.Services.AddAkka(ClusterSettings.SystemName, (akka, _) => akka
            .WithOverlayCluster(cluster)
            .WithLeaseRegistryProxy()
            .WithActors((system, registry, _) =>
            {
                var node = system.ActorOf(NodeActor.Props(identity, new NodeTimings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)),
                    registry.Get<LeaseRegistryActor>(), dataplane), "node");
                registry.Register<NodeActor>(node);
            }));
        return builder.Build();
    }

    private sealed class TestLifetime : IHostApplicationLifetime
    {
        public bool StopRequested { get; private set; }
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() => StopRequested = true;
    }
}
