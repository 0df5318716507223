using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Overlay.Actors.Node;
using Overlay.Node.Dataplane;
using Overlay.Node.Tun;
using static Overlay.Node.Tests.TestNetwork;

namespace Overlay.Node.Tests;

/// <summary>
/// A data path with offloads and one without (flannel's one packet per syscall) between two
/// namespaces this test creates: bulk TCP both ways arrives intact, so the offload path keeps
/// flannel's wire format. Also checks that the kernel here grants the TUN offloads.
/// </summary>
public sealed class OffloadInteropRootTests : IDisposable
{
    private const int TransferBytes = 32 * 1024 * 1024;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"overlay-offload-root-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    [RootFact]
    public void The_kernel_grants_tso_and_checksum_offloads_on_the_tun()
    {
        using var ns = new NetworkNamespace();
        using var device = ns.Run(() => LinuxTunDevice.CreateWithOffloads("ovloff0", 1472, out var refusal) is var d && refusal is null
            ? d : throw new InvalidOperationException(refusal));
        Assert.True(device.OffloadsEnabled);
        using var plain = ns.Run(() => LinuxTunDevice.Create("ovlplain0", 1472));
        Assert.False(plain.OffloadsEnabled);
    }

    [RootFact]
    public void Multi_queue_nodes_carry_parallel_flows_intact_and_close_every_queue_on_stop()
    {
        using var hostA = new NetworkNamespace();
        using var hostB = new NetworkNamespace();
        NetworkNamespace.ConnectHosts(hostA, hostB);

        var a = OverlayDataplane.CreateLinux(Options("192.0.2.1", "a", offload: true, queues: 2));
        using var b = OverlayDataplane.CreateLinux(Options("192.0.2.2", "b", offload: false, queues: 3));
        a.SetPeer(S("10.244.2.0/24"), E("192.0.2.2"), new PeerCounters());
        b.SetPeer(S("10.244.1.0/24"), E("192.0.2.1"), new PeerCounters());
        hostA.Run(() => { a.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config()); return 0; });
        hostB.Run(() => { b.Start(Lease("10.244.2.0/24", "192.0.2.2"), Config()); return 0; });

        var linkA = NetworkNamespace.Ip($"-n {hostA.Name} -d link show ovl0");
        Assert.Contains("multi_queue numqueues 2 ", linkA);
        Assert.Contains("vnet_hdr on", linkA);
        Assert.Contains("multi_queue numqueues 3 ", NetworkNamespace.Ip($"-n {hostB.Name} -d link show ovl0"));

        // Parallel flows both ways: the kernel spreads them over the queues by flow hash.
        var flows = Enumerable.Range(0, 4).Select(i => Task.Run(() =>
        {
            if (i % 2 == 0)
                Transfer(hostA, hostB, "10.244.2.0", seed: 10 + i, port: 7101 + i, transferBytes: 8 * 1024 * 1024);
            else
                Transfer(hostB, hostA, "10.244.1.0", seed: 10 + i, port: 7101 + i, transferBytes: 8 * 1024 * 1024);
        })).ToArray();
        Assert.True(Task.WaitAll(flows, TimeSpan.FromSeconds(120)), "the parallel transfers did not finish within 120 s");
        Assert.Equal(0, a.Drops.Total - a.Drops[DropReason.NotIpv4]);
        Assert.Equal(0, b.Drops.Total - b.Drops[DropReason.NotIpv4]);

        // Stopping closes every queue: the kernel removes the device with its last descriptor.
        a.Dispose();
        Assert.False(NetworkNamespace.TryIp($"-n {hostA.Name} link show ovl0", out _, out _));
    }

    [RootFact]
    public void Bulk_tcp_both_ways_between_an_offload_node_and_a_plain_node_arrives_intact()
    {
        using var hostA = new NetworkNamespace();
        using var hostB = new NetworkNamespace();
        NetworkNamespace.ConnectHosts(hostA, hostB);

        using var a = OverlayDataplane.CreateLinux(Options("192.0.2.1", "a", offload: true));
        using var b = OverlayDataplane.CreateLinux(Options("192.0.2.2", "b", offload: false));
        var aPeer = new PeerCounters();
        var bPeer = new PeerCounters();
        a.SetPeer(S("10.244.2.0/24"), E("192.0.2.2"), aPeer);
        b.SetPeer(S("10.244.1.0/24"), E("192.0.2.1"), bPeer);
        hostA.Run(() => { a.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config()); return 0; });
        hostB.Run(() => { b.Start(Lease("10.244.2.0/24", "192.0.2.2"), Config()); return 0; });

        // Neither node caps its TUN's super-packets: a cap below what a pod's TCP builds for its veth
        // makes the kernel segment forwarded traffic in software in front of the TUN.
        Assert.Contains("gso_max_segs 65535 ", NetworkNamespace.Ip($"-n {hostA.Name} -d link show ovl0"));
        Assert.Contains("gso_max_segs 65535 ", NetworkNamespace.Ip($"-n {hostB.Name} -d link show ovl0"));

        Transfer(hostA, hostB, "10.244.2.0", seed: 1);
        Transfer(hostB, hostA, "10.244.1.0", seed: 2);

        Assert.True(aPeer.TxPackets >= TransferBytes / 1472, $"A sent {aPeer.TxPackets} datagrams");
        Assert.True(aPeer.RxPackets >= TransferBytes / 1472, $"A received {aPeer.RxPackets} datagrams");
        Assert.Equal(0, a.Drops.Total - a.Drops[DropReason.NotIpv4]);
        Assert.Equal(0, b.Drops.Total - b.Drops[DropReason.NotIpv4]);

        // The kernel's own counters of the TUN, read in the node's namespace: A's pump read the 32 MiB
        // as super-packets (far more bytes per packet than the MTU), and the kernel dropped nothing.
        var tun = hostA.Run(() => a.TunStatistics());
        Assert.NotNull(tun);
        Assert.True(tun.Value.TxBytes >= TransferBytes, $"overlay0 TX {tun.Value.TxBytes} bytes");
        Assert.True(tun.Value.TxBytes / tun.Value.TxPackets > 4 * 1472, $"overlay0 TX {tun.Value.TxBytes} bytes in {tun.Value.TxPackets} packets");
        Assert.Equal((0L, 0L), (tun.Value.TxDropped, tun.Value.RxDropped));
    }

    // A sender using UDP segmentation (as QUIC stacks do) hands its TUN one super-packet per send; with
    // TUN_F_USO4 it reaches the pump whole, is cut into flannel datagrams, and the peer merges each GRO
    // batch back into one GSO_UDP_L4 write that the kernel cuts into the datagrams that were sent.
    [RootFact]
    public void Udp_sent_with_udp_segmentation_crosses_as_super_packets_and_arrives_datagram_for_datagram()
    {
        const int Sends = 40, PerSend = 40, DatagramPayload = 1000, Port = 7301;
        using var hostA = new NetworkNamespace();
        using var hostB = new NetworkNamespace();
        NetworkNamespace.ConnectHosts(hostA, hostB);
        using var a = OverlayDataplane.CreateLinux(Options("192.0.2.1", "a", offload: true));
        using var b = OverlayDataplane.CreateLinux(Options("192.0.2.2", "b", offload: true));
        a.SetPeer(S("10.244.2.0/24"), E("192.0.2.2"), new PeerCounters());
        b.SetPeer(S("10.244.1.0/24"), E("192.0.2.1"), new PeerCounters());
        hostA.Run(() => { a.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config()); return 0; });
        hostB.Run(() => { b.Start(Lease("10.244.2.0/24", "192.0.2.2"), Config()); return 0; });

        using var receiver = hostB.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        receiver.SetRawSocketOption(DataplaneConstants.SolSocket, DataplaneConstants.SoRcvBufForce, BitConverter.GetBytes(16 << 20));
        receiver.Bind(new IPEndPoint(IPAddress.Parse("10.244.2.0"), Port));
        receiver.ReceiveTimeout = 10_000;
        using var sender = hostA.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        sender.SetRawSocketOption(17 /* SOL_UDP */, 103 /* UDP_SEGMENT */, BitConverter.GetBytes(DatagramPayload));
        sender.Connect(new IPEndPoint(IPAddress.Parse("10.244.2.0"), Port));

        // Datagram k of send s carries (s, k) in its first bytes; every send ends with a short datagram.
        var expected = new List<byte[]>();
        var received = new List<byte[]>();
        var reader = Task.Run(() =>
        {
            var buffer = new byte[65536];
            while (received.Count < Sends * PerSend)
                received.Add(buffer.AsSpan(0, receiver.Receive(buffer)).ToArray());
        });
        for (var send = 0; send < Sends; send++)
        {
            var last = 1 + send % 999;
            var payload = new byte[(PerSend - 1) * DatagramPayload + last];
            new Random(send).NextBytes(payload);
            for (var k = 0; k < PerSend; k++)
            {
                payload[k * DatagramPayload] = (byte)send;
                if (k < PerSend - 1 || last > 1)
                    payload[k * DatagramPayload + 1] = (byte)k;
                expected.Add(payload.AsSpan(k * DatagramPayload, Math.Min(DatagramPayload, payload.Length - k * DatagramPayload)).ToArray());
            }
            sender.Send(payload);
            Assert.True(SpinWait.SpinUntil(() => received.Count >= (send + 1) * PerSend || reader.IsCompleted, TimeSpan.FromSeconds(10)),
                $"send {send}: {received.Count} of {(send + 1) * PerSend} datagrams arrived");
        }
        Assert.True(reader.Wait(TimeSpan.FromSeconds(10)), $"{received.Count} of {Sends * PerSend} datagrams arrived");

        Assert.Equal(expected, received);
        var sent = a.OffloadTotals();
        var merged = b.OffloadTotals();
        Assert.True(sent.SuperPackets >= Sends, $"A read {sent.SuperPackets} super-packets for {Sends} UDP_SEGMENT sends");
        Assert.True(merged.CoalescedWrites >= Sends, $"B wrote {merged.CoalescedWrites} GSO writes and {merged.SingleWrites} single ones");
        Assert.Equal(0, a.Drops.Total - a.Drops[DropReason.NotIpv4]);
        Assert.Equal(0, b.Drops.Total - b.Drops[DropReason.NotIpv4]);
    }

    private static void Transfer(NetworkNamespace from, NetworkNamespace to, string toAddress, int seed,
        int port = 7001, int transferBytes = TransferBytes)
    {
        var data = new byte[transferBytes];
        new Random(seed).NextBytes(data);
        var expected = SHA256.HashData(data);
        using var listener = to.Run(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(toAddress), port));
            socket.Listen(1);
            return socket;
        });
        var received = Task.Run(() =>
        {
            using var connection = listener.Accept();
            connection.ReceiveTimeout = 30_000;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 16];
            long total = 0;
            int n;
            while ((n = connection.Receive(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                total += n;
            }
            return (total, hash.GetHashAndReset());
        });
        using (var client = from.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)))
        {
            client.SendTimeout = 30_000;
            client.Connect(new IPEndPoint(IPAddress.Parse(toAddress), port));
            client.Send(data);
            client.Shutdown(SocketShutdown.Send);
            Assert.True(received.Wait(TimeSpan.FromSeconds(60)), "the receiver did not finish within 60 s");
        }
        var (bytes, sha) = received.Result;
        Assert.Equal(transferBytes, bytes);
        Assert.Equal(expected, sha);
    }

    private DataplaneOptions Options(string address, string name, bool offload, int queues = 1) => new()
    {
        TunQueues = queues,
        TunName = "ovl0",
        UnderlayMtu = 1500,
        BindAddress = IPAddress.Parse(address),
        SubnetFilePath = Path.Combine(_dir, name, "subnet.env"),
        Offload = offload,
    };
}
