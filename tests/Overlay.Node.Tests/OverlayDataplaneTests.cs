using Overlay.Testing;
using System.Net;
using Overlay.Actors.Node;
using Overlay.Node.Dataplane;
using Overlay.Node.SubnetEnv;
using Overlay.Node.Tun;
using Overlay.Node.Udp;
using static Overlay.Node.Tests.Packets;
using static Overlay.Node.Tests.TestNetwork;

namespace Overlay.Node.Tests;

public sealed class OverlayDataplaneTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"overlay-dp-{Guid.NewGuid():N}");
    private readonly ChannelUdpNetwork _network = new();
    private readonly List<FakeNode> _nodes = [];

    /// <summary>One host: an OverlayDataplane over a fake TUN and the shared fake UDP switch.</summary>
    private sealed class FakeNode(OverlayDataplaneTests test, string publicIp, string name)
    {
        public readonly List<ChannelTunDevice> Tuns = [];
        public readonly string SubnetFile = Path.Combine(test._dir, name, "subnet.env");
        public readonly OverlayDataplane Dataplane = new(
            new DataplaneOptions
            {
                BindAddress = IPAddress.Parse(publicIp),
                SubnetFilePath = Path.Combine(test._dir, name, "subnet.env"),
                UnderlayMtu = 1500,
            },
            (tunName, mtu, _) =>
            {
                var tun = new ChannelTunDevice(tunName, mtu);
                test._nodes.Single(n => n.PublicIp == publicIp).Tuns.Add(tun);
                return tun;
            },
            local => test._network.Bind(local),
            NoLinkConfigurator.Instance);

        public string PublicIp { get; } = publicIp;
        public ChannelTunDevice Tun => Tuns[^1];
    }

    private FakeNode Node(string publicIp)
    {
        var node = new FakeNode(this, publicIp, publicIp);
        _nodes.Add(node);
        return node;
    }

    public void Dispose()
    {
        foreach (var node in _nodes)
            node.Dataplane.Dispose();
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void A_packet_into_node_As_tun_comes_out_of_node_Bs_tun_byte_for_byte()
    {
        var a = Node("192.0.2.1");
        var b = Node("192.0.2.2");
        a.Dataplane.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config());
        b.Dataplane.Start(Lease("10.244.2.0/24", "192.0.2.2"), Config());
        var aToB = new PeerCounters();
        var bFromA = new PeerCounters();
        a.Dataplane.SetPeer(S("10.244.2.0/24"), E("192.0.2.2"), aToB);
        b.Dataplane.SetPeer(S("10.244.1.0/24"), E("192.0.2.1"), bFromA);

        var request = Ipv4("10.244.1.5", "10.244.2.9", ProtoTcp, payload: Enumerable.Range(0, 1400).Select(i => (byte)i).ToArray());
        a.Tun.InjectFromKernel(request);
        Assert.True(b.Tun.TryTakeWritten(out var delivered, Wait));
        Assert.Equal(request, delivered);

        var response = Ipv4("10.244.2.9", "10.244.1.5", ProtoTcp);
        b.Tun.InjectFromKernel(response);
        Assert.True(a.Tun.TryTakeWritten(out var back, Wait));
        Assert.Equal(response, back);

        // A received packet counts once its TUN write returned, a moment after the test sees it written.
        Poll.Until(() => aToB.RxPackets == 1 && bFromA.RxPackets == 1, Wait, "the receiving pumps to count what they wrote");
        Assert.Equal((1, request.Length), (aToB.TxPackets, aToB.TxBytes));
        Assert.Equal((1, response.Length), (aToB.RxPackets, aToB.RxBytes));
        Assert.Equal((1, response.Length), (bFromA.TxPackets, bFromA.TxBytes));
        Assert.Equal((1, request.Length), (bFromA.RxPackets, bFromA.RxBytes));
        Assert.Equal(0, a.Dataplane.Drops.Total + b.Dataplane.Drops.Total);
        Assert.Equal(1472, a.Tun.Mtu);
        Assert.Equal("overlay0", a.Tun.Name);
        Assert.Equal("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n",
            File.ReadAllText(a.SubnetFile));
        Assert.Equal(E("192.0.2.1"), a.Dataplane.LocalEndPoint);
        Assert.Equal(S("10.244.1.0/24"), a.Dataplane.LocalSubnet);
    }

    [Fact]
    public void A_smaller_mtu_asked_for_goes_to_the_tun_and_to_subnet_env()
    {
        var dir = Path.Combine(_dir, "mtu");
        var tuns = new List<ChannelTunDevice>();
        using var dataplane = new OverlayDataplane(
            new DataplaneOptions { BindAddress = IPAddress.Parse("192.0.2.7"), SubnetFilePath = Path.Combine(dir, "subnet.env"), UnderlayMtu = 1500, Mtu = 1400 },
            (tunName, mtu, _) => { var tun = new ChannelTunDevice(tunName, mtu); tuns.Add(tun); return tun; },
            local => _network.Bind(local), NoLinkConfigurator.Instance);

        dataplane.Start(Lease("10.244.7.0/24", "192.0.2.7"), Config());

        Assert.Equal(1400, Assert.Single(tuns).Mtu);
        Assert.Equal(("overlay0", 1400), dataplane.Device);
        Assert.Contains("FLANNEL_MTU=1400\n", File.ReadAllText(Path.Combine(dir, "subnet.env")));
    }

    private sealed class FakeLinkStatistics : ILinkStatistics
    {
        public LinkStatistics? Current { get; set; }
        public LinkStatistics? Read(string device) => device == "overlay0" ? Current : null;
    }

    [Fact]
    public void The_tuns_kernel_counters_add_up_over_sessions_and_are_absent_without_kernel_counters()
    {
        var statistics = new FakeLinkStatistics { Current = new LinkStatistics(1, 2, 3, 4, 5, 6) };
        using var dataplane = new OverlayDataplane(
            new DataplaneOptions { BindAddress = IPAddress.Parse("192.0.2.8"), SubnetFilePath = Path.Combine(_dir, "stats", "subnet.env") },
            (tunName, mtu, _) => new ChannelTunDevice(tunName, mtu), local => _network.Bind(local), NoLinkConfigurator.Instance,
            linkStatistics: statistics);
        Assert.Equal(default(LinkStatistics), dataplane.TunStatistics());

        dataplane.Start(Lease("10.244.8.0/24", "192.0.2.8"), Config());
        Assert.Equal(new LinkStatistics(1, 2, 3, 4, 5, 6), dataplane.TunStatistics());
        dataplane.Stop();
        statistics.Current = null; // the device went with the session
        Assert.Equal(new LinkStatistics(1, 2, 3, 4, 5, 6), dataplane.TunStatistics());

        // A new session's device counts from 0 again; the total keeps growing.
        statistics.Current = new LinkStatistics(10, 10, 10, 10, 10, 10);
        dataplane.Start(Lease("10.244.8.0/24", "192.0.2.8"), Config());
        Assert.Equal(new LinkStatistics(11, 12, 13, 14, 15, 16), dataplane.TunStatistics());

        Assert.Null(Node("192.0.2.9").Dataplane.TunStatistics());
    }

    [Fact]
    public void Unknown_destinations_get_icmp_back_and_count_as_no_route()
    {
        var a = Node("192.0.2.1");
        a.Dataplane.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config());

        a.Tun.InjectFromKernel(Ipv4("10.244.1.5", "10.244.9.9"));

        Assert.True(a.Tun.TryTakeWritten(out var reply, Wait));
        Assert.Equal(Ipv4Packet.ParseError.None, Ipv4Packet.TryParse(reply, out var icmp));
        Assert.Equal((A("10.244.1.0"), A("10.244.1.5"), (byte)1), (icmp.Source, icmp.Destination, icmp.Protocol));
        Assert.Equal(1, a.Dataplane.Drops.Snapshot()["no_route"]);
    }

    [Fact]
    public void Peers_set_before_start_are_routed_and_removed_peers_are_not()
    {
        var a = Node("192.0.2.1");
        var b = Node("192.0.2.2");
        var counters = new PeerCounters();
        a.Dataplane.SetPeer(S("10.244.2.0/24"), E("192.0.2.2"), counters);
        a.Dataplane.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config());
        b.Dataplane.Start(Lease("10.244.2.0/24", "192.0.2.2"), Config());

        a.Tun.InjectFromKernel(Ipv4("10.244.1.5", "10.244.2.9"));
        // B does not know A yet: the source check drops it there.
        Poll.Until(() => b.Dataplane.Drops[DropReason.UnknownSource] == 1, Wait);
        b.Dataplane.SetPeer(S("10.244.1.0/24"), E("192.0.2.1"), new PeerCounters());
        a.Tun.InjectFromKernel(Ipv4("10.244.1.5", "10.244.2.9"));
        Assert.True(b.Tun.TryTakeWritten(out _, Wait));
        Assert.Equal([S("10.244.2.0/24")], a.Dataplane.Peers().Select(p => p.Subnet));
        Assert.Same(counters, a.Dataplane.Peers()[0].Counters);

        a.Dataplane.RemovePeer(S("10.244.2.0/24"));
        a.Dataplane.RemovePeer(S("10.244.2.0/24"));
        a.Tun.InjectFromKernel(Ipv4("10.244.1.5", "10.244.2.9"));
        Assert.True(a.Tun.TryTakeWritten(out _, Wait)); // the ICMP reply
        Assert.Equal(1, a.Dataplane.Drops[DropReason.NoRoute]);
        Assert.Empty(a.Dataplane.Peers());
        Assert.Equal(2, counters.TxPackets);
    }

    [Fact]
    public void Stop_closes_everything_promptly_and_is_idempotent()
    {
        var a = Node("192.0.2.1");
        a.Dataplane.Stop(); // not started: fine
        a.Dataplane.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config());
        NativeThreads.WaitUntilBlocked("overlay-tun-to-udp", Wait);
        NativeThreads.WaitUntilBlocked("overlay-udp-to-tun", Wait);
        Assert.True(a.Dataplane.IsRunning);

        var started = DateTime.UtcNow;
        a.Dataplane.Stop();
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2), "Stop took too long");

        Assert.False(a.Dataplane.IsRunning);
        Assert.True(a.Tun.IsDisposed);
        Assert.Null(a.Dataplane.LocalEndPoint);
        a.Dataplane.Stop();
        // The port is free again: a restart binds it.
        a.Dataplane.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config());
        Assert.True(a.Dataplane.IsRunning);
    }

    [Fact]
    public void Start_with_the_same_lease_does_nothing_and_with_another_reconfigures()
    {
        var a = Node("192.0.2.1");
        a.Dataplane.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config());
        a.Dataplane.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config());
        Assert.Single(a.Tuns);

        a.Dataplane.Start(Lease("10.244.5.0/24", "192.0.2.1"), Config());
        Assert.Equal(2, a.Tuns.Count);
        Assert.True(a.Tuns[0].IsDisposed);
        Assert.False(a.Tuns[1].IsDisposed);
        Assert.Equal(S("10.244.5.0/24"), SubnetEnvFile.TryReadSubnet(a.SubnetFile));
    }

    [Fact]
    public void A_failing_device_raises_Faulted_and_stops_the_data_path()
    {
        var a = Node("192.0.2.1");
        using var faulted = new ManualResetEventSlim();
        Exception? failure = null;
        a.Dataplane.Faulted += e =>
        {
            failure = e;
            faulted.Set();
        };
        a.Dataplane.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config());

        a.Tun.Fail(new IOException("failed to read from TUN overlay0: EIO"));

        Assert.True(faulted.Wait(Wait));
        Assert.Contains("EIO", failure!.Message);
        Assert.Contains("TUN to UDP", failure.Message);
        Poll.Until(() => !a.Dataplane.IsRunning, Wait);
        Assert.True(a.Tun.IsDisposed);
        a.Dataplane.Stop();
        a.Dataplane.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config()); // the node actor's restart
        Assert.True(a.Dataplane.IsRunning);
    }

    [Fact]
    public void A_failed_start_leaves_nothing_open_and_names_the_cause()
    {
        var a = Node("192.0.2.1");
        using var squatter = _network.Bind(E("192.0.2.1"));

        var error = Assert.Throws<IOException>(() => a.Dataplane.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config()));

        Assert.Contains("failed to bind UDP 192.0.2.1:8285", error.Message);
        Assert.True(a.Tun.IsDisposed);
        Assert.False(a.Dataplane.IsRunning);
    }

    [Fact]
    public void Bad_arguments_are_refused_with_their_values()
    {
        var a = Node("192.0.2.1");
        var wrongLength = Assert.Throws<ArgumentException>(() => a.Dataplane.Start(Lease("10.244.1.0/25", "192.0.2.1"), Config()));
        Assert.Contains("10.244.1.0/25", wrongLength.Message);

        a.Dataplane.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config());
        var outside = Assert.Throws<ArgumentException>(() => a.Dataplane.SetPeer(S("10.9.0.0/24"), E("192.0.2.9"), new PeerCounters()));
        Assert.Contains("10.9.0.0/24", outside.Message);

        var aboveUnderlay = Assert.Throws<ArgumentException>(() => new OverlayDataplane(new DataplaneOptions { UnderlayMtu = 1500, Mtu = 1473 },
            (n, m, _) => new ChannelTunDevice(n, m), _network.Bind, NoLinkConfigurator.Instance));
        Assert.Contains("Mtu 1473 is outside 576..1472", aboveUnderlay.Message);

        var tinyMtu = Assert.Throws<ArgumentException>(() => new OverlayDataplane(new DataplaneOptions { UnderlayMtu = 500 },
            (n, m, _) => new ChannelTunDevice(n, m), _network.Bind, NoLinkConfigurator.Instance));
        Assert.Contains("UnderlayMtu 500", tinyMtu.Message);
    }
}
