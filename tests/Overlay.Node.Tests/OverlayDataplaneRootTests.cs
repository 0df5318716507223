using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Overlay.Actors.Node;
using Overlay.Node.Dataplane;
using Overlay.Testing;
using static Overlay.Node.Tests.TestNetwork;

namespace Overlay.Node.Tests;

/// <summary>
/// The whole Linux data path between two namespaces this test creates, joined by a veth pair on
/// 192.0.2.0/24: real TUN devices, real UDP sockets, real kernels on both ends.
/// </summary>
public sealed class OverlayDataplaneRootTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"overlay-dp-root-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    [RootFact]
    public void Two_hosts_exchange_udp_and_ping_over_the_overlay()
    {
        using var hostA = new NetworkNamespace();
        using var hostB = new NetworkNamespace();
        NetworkNamespace.ConnectHosts(hostA, hostB);

        using var a = OverlayDataplane.CreateLinux(Options("192.0.2.1", "a"));
        using var b = OverlayDataplane.CreateLinux(Options("192.0.2.2", "b"));
        var aToB = new PeerCounters();
        var bToA = new PeerCounters();
        a.SetPeer(S("10.244.2.0/24"), E("192.0.2.2"), aToB);
        b.SetPeer(S("10.244.1.0/24"), E("192.0.2.1"), bToA);
        // Start on a thread inside each namespace: the TUN and the socket are created there.
        hostA.Run(() => { a.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config()); return 0; });
        hostB.Run(() => { b.Start(Lease("10.244.2.0/24", "192.0.2.2"), Config()); return 0; });

        using var receiver = hostB.Run(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Parse("10.244.2.0"), 7000));
            socket.ReceiveTimeout = 5000;
            return socket;
        });
        using var sender = hostA.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        sender.SendTo("across the overlay"u8, new IPEndPoint(IPAddress.Parse("10.244.2.0"), 7000));
        var buffer = new byte[100];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        var length = receiver.ReceiveFrom(buffer, ref from);
        Assert.Equal("across the overlay"u8.ToArray(), buffer[..length]);
        Assert.Equal("10.244.1.0", ((IPEndPoint)from).Address.ToString());

        var (pingOk, pingOutput) = Exec($"netns exec {hostA.Name} ping -c 1 -W 5 10.244.2.0");
        Assert.True(pingOk, pingOutput);
        var (unreachableOk, unreachable) = Exec($"netns exec {hostA.Name} ping -c 1 -W 5 10.244.9.9");
        Assert.False(unreachableOk);
        // flannel's reply, from the TUN address: it reaches the sender only because the link has
        // accept_local (LinkConfigurator); without it the kernel drops it as a martian.
        Assert.Contains("From 10.244.1.0", unreachable);
        Assert.Contains("Destination Net Unreachable", unreachable);

        Assert.True(aToB.TxPackets >= 2 && bToA.RxPackets >= 2, $"A sent {aToB.TxPackets}, B received {bToA.RxPackets}");
        Assert.True(aToB.RxPackets >= 1, "the echo reply came back");
        Assert.True(a.Drops[DropReason.NoRoute] >= 1);
        Assert.Equal(0, b.Drops.Total - b.Drops[DropReason.NotIpv4] - b.Drops[DropReason.NoRoute]);

        var stopped = Stopwatch.StartNew();
        // Stopped inside their namespaces: Stop also removes the backstop route, which lives there.
        hostA.Run(() => { a.Stop(); return 0; });
        hostB.Run(() => { b.Stop(); return 0; });
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(2), $"Stop took {stopped.Elapsed}");
        Assert.False(NetworkNamespace.TryIp($"-n {hostA.Name} link show ovl0", out _, out _));
    }

    [RootFact]
    public void The_link_check_repairs_what_ip_breaks_and_the_backstop_keeps_the_network_off_the_default_route()
    {
        using var host = new NetworkNamespace();
        using var peer = new NetworkNamespace();
        NetworkNamespace.ConnectHosts(host, peer);
        Assert.True(NetworkNamespace.TryIp($"-n {host.Name} route add default via 192.0.2.2", out _, out var routeError), routeError);
        using var dataplane = OverlayDataplane.CreateLinux(Options("192.0.2.1", "a"));
        host.Run(() => { dataplane.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config()); return 0; });
        Assert.Equal(LinkDefects.None, host.Run(dataplane.CheckLink));
        Assert.Contains("unreachable 10.244.0.0/16", Exec($"-n {host.Name} route show 10.244.0.0/16").Output);

        Exec($"-n {host.Name} link set ovl0 down");
        Assert.Equal(LinkDefects.LinkDown | LinkDefects.RouteMissing, host.Run(dataplane.CheckLink));
        Assert.Contains("dev ovl0", Exec($"-n {host.Name} route get 10.244.2.5").Output);

        Assert.True(Exec($"-n {host.Name} route del 10.244.0.0/16").Ok);
        // Deleted, not yet repaired: unreachable, not out of the default route's eth0.
        var meanwhile = Exec($"-n {host.Name} route get 10.244.2.5");
        // (An unreachable route answers EHOSTUNREACH: "No route to host".)
        Assert.False(meanwhile.Ok, meanwhile.Output);
        Assert.Contains("No route to host", meanwhile.Output);
        Assert.Equal(LinkDefects.RouteMissing, host.Run(dataplane.CheckLink));
        Assert.Contains("dev ovl0", Exec($"-n {host.Name} route get 10.244.2.5").Output);

        // A deleted device: the pumps usually see it first (their reads fail); otherwise the check
        // ends the session. Either way Faulted is raised once, and the node actor starts a new one.
        var faults = 0;
        dataplane.Faulted += _ => Interlocked.Increment(ref faults);
        Exec($"-n {host.Name} link del ovl0");
        Poll.Until(() => host.Run(dataplane.CheckLink) is var _ && !dataplane.IsRunning, TimeSpan.FromSeconds(5), "the data path to end with its device");
        Assert.Equal(1, Volatile.Read(ref faults));
        Assert.Equal(new (string, long)[] { ("link_down", 1L), ("route_missing", 2L) },
            dataplane.LinkRepairs().Where(r => r.What != "device_missing").OrderBy(r => r.What, StringComparer.Ordinal).ToList());

        // The failed session's stop keeps the backstop (the node actor restarts the data path);
        // an orderly stop of a running one removes it.
        host.Run(() => { dataplane.Stop(); return 0; });
        Assert.Contains("unreachable 10.244.0.0/16", Exec($"-n {host.Name} route show 10.244.0.0/16").Output);
        host.Run(() => { dataplane.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config()); return 0; });
        Assert.Contains("dev ovl0", Exec($"-n {host.Name} route get 10.244.2.5").Output);
        host.Run(() => { dataplane.Stop(); return 0; });
        Assert.Equal("", Exec($"-n {host.Name} route show 10.244.0.0/16").Output.Trim());
    }

    [RootFact]
    public void A_withdrawn_subnet_leaves_the_device_without_its_address_and_route_until_the_same_lease_is_started_again()
    {
        using var host = new NetworkNamespace();
        using var peer = new NetworkNamespace();
        NetworkNamespace.ConnectHosts(host, peer);
        Assert.True(NetworkNamespace.TryIp($"-n {host.Name} route add default via 192.0.2.2", out _, out var routeError), routeError);
        var options = Options("192.0.2.1", "w");
        using var dataplane = OverlayDataplane.CreateLinux(options);
        host.Run(() => { dataplane.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config()); return 0; });
        Assert.Contains("inet 10.244.1.0/32", Exec($"-n {host.Name} addr show dev ovl0").Output);

        host.Run(() => { dataplane.Withdraw("the test withdrew it"); return 0; });

        Assert.DoesNotContain("inet ", Exec($"-n {host.Name} addr show dev ovl0").Output);
        Assert.False(File.Exists(options.SubnetFilePath));
        // The kernel flushed the route with the address; the backstop keeps the Network off the
        // default route, and the watchdog does not put the address back.
        var meanwhile = Exec($"-n {host.Name} route get 10.244.2.5");
        Assert.False(meanwhile.Ok, meanwhile.Output);
        Assert.Contains("No route to host", meanwhile.Output);
        Assert.Equal(LinkDefects.None, host.Run(dataplane.CheckLink));
        Assert.DoesNotContain("inet ", Exec($"-n {host.Name} addr show dev ovl0").Output);
        Assert.True(dataplane.IsRunning);

        host.Run(() => { dataplane.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config()); return 0; });
        Assert.Contains("inet 10.244.1.0/32", Exec($"-n {host.Name} addr show dev ovl0").Output);
        Assert.Contains("dev ovl0", Exec($"-n {host.Name} route get 10.244.2.5").Output);
        Assert.True(File.Exists(options.SubnetFilePath));
        Assert.Null(dataplane.Withdrawn);
        host.Run(() => { dataplane.Stop(); return 0; });
    }

    private DataplaneOptions Options(string address, string name) => new()
    {
        TunName = "ovl0",
        UnderlayMtu = 1500,
        BindAddress = IPAddress.Parse(address),
        SubnetFilePath = Path.Combine(_dir, name, "subnet.env"),
    };

    private static (bool Ok, string Output) Exec(string ipArguments)
    {
        var ok = NetworkNamespace.TryIp(ipArguments, out var output, out var error);
        return (ok, output + error);
    }
}
