using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Overlay.Node.Dataplane;
using Overlay.Node.Tun;
using static Overlay.Node.Tests.Packets;
using static Overlay.Node.Tests.TestNetwork;

namespace Overlay.Node.Tests;

/// <summary>
/// The real TUN device and link configuration, inside a network namespace this test creates (never
/// in the host's): address, MTU, up state and the Network route; packets both ways; a reader woken by
/// Dispose; and device and route gone after it.
/// </summary>
public class LinuxTunDeviceRootTests
{
    private const string Device = "ovltest0";

    [RootFact]
    public void A_queue_attaches_only_to_a_multi_queue_device_and_gets_its_offloads()
    {
        using var ns = new NetworkNamespace();
        using var single = ns.Run(() => LinuxTunDevice.Create(Device, 1400));
        var refused = Assert.Throws<IOException>(() => single.AttachQueue());
        Assert.Equal($"failed to attach a queue to TUN {Device}: it was not created with IFF_MULTI_QUEUE", refused.Message);

        using var first = ns.Run(() => LinuxTunDevice.CreateWithOffloads("ovltestmq0", 1400, out _, multiQueue: true));
        using var second = ns.Run(first.AttachQueue);
        Assert.Equal((first.Name, first.OffloadsEnabled), (second.Name, second.OffloadsEnabled));
        Assert.Contains("multi_queue numqueues 2 ", NetworkNamespace.Ip($"-n {ns.Name} -d link show ovltestmq0"));
    }

    [RootFact]
    public void Creates_configures_carries_packets_and_cleans_up_inside_a_namespace()
    {
        using var ns = new NetworkNamespace();
        var tun = ns.Run(() =>
        {
            var device = LinuxTunDevice.Create(Device, 1400);
            new LinkConfigurator().Configure(device.Name, A("10.244.1.0"), 1400, S("10.244.0.0/16"));
            // A second run finds the route already there (EEXIST) and tolerates it, as flannel does.
            new LinkConfigurator().Configure(device.Name, A("10.244.1.0"), 1400, S("10.244.0.0/16"));
            return device;
        });
        try
        {
            Assert.Equal(Device, tun.Name);
            Assert.Equal(1400, tun.Mtu);

            using (var link = JsonDocument.Parse(NetworkNamespace.Ip($"-n {ns.Name} -j addr show dev {Device}")))
            {
                var info = link.RootElement[0];
                Assert.Equal(1400, info.GetProperty("mtu").GetInt32());
                Assert.Contains("UP", info.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
                var inet = info.GetProperty("addr_info").EnumerateArray().Where(a => a.GetProperty("family").GetString() == "inet").ToList();
                Assert.Single(inet);
                Assert.Equal("10.244.1.0", inet[0].GetProperty("local").GetString());
                Assert.Equal(32, inet[0].GetProperty("prefixlen").GetInt32());
            }
            Assert.Equal("1", NetworkNamespace.Ip($"netns exec {ns.Name} sysctl -n net.ipv4.conf.{Device}.accept_local").Trim());
            var routes = NetworkNamespace.Ip($"-n {ns.Name} route show dev {Device}");
            Assert.Contains("10.244.0.0/16", routes);
            Assert.DoesNotContain("default", routes);

            // Kernel -> TUN: a datagram sent inside the namespace to another subnet comes out of Read,
            // from the TUN address, because the Network route points at the device.
            var buffer = new byte[65536];
            ns.Run(() =>
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.SendTo("hello"u8, new IPEndPoint(IPAddress.Parse("10.244.5.5"), 9999));
                return 0;
            });
            // The kernel may also route IPv6 link chatter (router solicitations, MLD) into the device:
            // skip it, boundedly.
            var length = 0;
            for (var i = 0; i < 50 && (length == 0 || buffer[0] >> 4 != 4); i++)
                length = tun.Read(buffer, out _);
            Assert.Equal(Ipv4Packet.ParseError.None, Ipv4Packet.TryParse(buffer.AsSpan(0, length), out var sent));
            Assert.Equal((A("10.244.1.0"), A("10.244.5.5"), ProtoUdp), (sent.Source, sent.Destination, sent.Protocol));
            Assert.Equal("hello"u8.ToArray(), sent.Payload[8..].ToArray());

            // TUN -> kernel: a UDP packet written into the device reaches a socket bound to the TUN address.
            var received = ns.Run(() =>
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.Bind(new IPEndPoint(IPAddress.Parse("10.244.1.0"), 0));
                socket.ReceiveTimeout = 5000;
                var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
                Assert.True(tun.Write(UdpPacket("10.244.5.5", "10.244.1.0", 4242, port, "world"u8)));
                var into = new byte[64];
                return into[..socket.Receive(into)];
            });
            Assert.Equal("world"u8.ToArray(), received);
            Assert.False(tun.Write([0x10, 0x20])); // neither IPv4 nor IPv6: the kernel refuses, the device lives

            // Dispose wakes a reader blocked in Read, which returns 0.
            var result = -1;
            var reader = new Thread(() => result = tun.Read(buffer, out _)) { IsBackground = true, Name = "tun-read-test" };
            reader.Start();
            NativeThreads.WaitUntilBlocked("tun-read-test", TimeSpan.FromSeconds(5));
            tun.Dispose();
            Assert.True(reader.Join(TimeSpan.FromSeconds(5)), "reader still blocked after Dispose");
            Assert.Equal(0, result);
            Assert.Equal(0, tun.Read(buffer, out _));
            Assert.False(tun.Write(Ipv4("10.244.5.5", "10.244.1.0")));

            // Closing the device removed it and its route; the unreachable backstop (no device) stays
            // until Unconfigure, which the data path calls on an orderly stop.
            Assert.False(NetworkNamespace.TryIp($"-n {ns.Name} link show {Device}", out _, out var error));
            Assert.Contains("does not exist", error);
            Assert.Equal("unreachable 10.244.0.0/16", NetworkNamespace.Ip($"-n {ns.Name} route show 10.244.0.0/16").Split(" scope")[0].Trim());
            ns.Run(() => { new LinkConfigurator().Unconfigure(S("10.244.0.0/16")); return 0; });
            Assert.DoesNotContain("10.244.0.0/16", NetworkNamespace.Ip($"-n {ns.Name} route show"));
        }
        finally
        {
            tun.Dispose();
        }
    }

    [RootFact]
    public void A_device_with_offloads_hands_over_bare_packets_with_their_offload_information_and_takes_bare_packets()
    {
        using var ns = new NetworkNamespace();
        using var tun = ns.Run(() =>
        {
            var device = LinuxTunDevice.CreateWithOffloads("ovltestvh0", 1400, out _);
            new LinkConfigurator().Configure(device.Name, A("10.244.1.0"), 1400, S("10.244.0.0/16"));
            return device;
        });
        Assert.True(tun.OffloadsEnabled);

        // Kernel -> TUN: the virtio_net_hdr is read aside; the buffer starts with the IPv4 header.
        var buffer = new byte[65536];
        ns.Run(() =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.SendTo("hello"u8, new IPEndPoint(IPAddress.Parse("10.244.5.5"), 9999));
            return 0;
        });
        var length = 0;
        var offload = VirtioNetHeader.None;
        for (var i = 0; i < 50 && (length == 0 || buffer[0] >> 4 != 4); i++)
            length = tun.Read(buffer, out offload);
        Assert.Equal(VirtioNetHeader.GsoNone, offload.GsoType);
        var packet = buffer.AsSpan(0, length);
        if ((offload.Flags & VirtioNetHeader.FlagNeedsCsum) != 0)
            Assert.True(GsoSplitter.CompleteChecksum(packet, offload.CsumStart, offload.CsumOffset));
        Assert.Equal(Ipv4Packet.ParseError.None, Ipv4Packet.TryParse(packet, out var sent));
        Assert.Equal((A("10.244.1.0"), A("10.244.5.5"), ProtoUdp), (sent.Source, sent.Destination, sent.Protocol));
        Assert.Equal("hello"u8.ToArray(), sent.Payload[8..].ToArray());

        // TUN -> kernel: Write puts a zero header in front of the bare packet.
        var received = ns.Run(() =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Parse("10.244.1.0"), 0));
            socket.ReceiveTimeout = 5000;
            var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            Assert.True(tun.Write(UdpPacket("10.244.5.5", "10.244.1.0", 4242, port, "world"u8)));
            var into = new byte[64];
            return into[..socket.Receive(into)];
        });
        Assert.Equal("world"u8.ToArray(), received);
    }

    [RootFact]
    public void Errors_name_the_step_the_operands_and_the_errno()
    {
        using var ns = new NetworkNamespace();
        var error = Assert.Throws<InvalidOperationException>(() =>
            ns.Run(() =>
            {
                new LinkConfigurator().Configure("nosuch0", A("10.244.1.0"), 1400, S("10.244.0.0/16"));
                return 0;
            }));
        Assert.Contains("failed to set address 10.244.1.0/32 on nosuch0: ENODEV", error.Message);

        var busy = Assert.Throws<InvalidOperationException>(() =>
            ns.Run(() =>
            {
                using var first = LinuxTunDevice.Create(Device, 1400);
                using var second = LinuxTunDevice.Create(Device, 1400);
                return 0;
            }));
        Assert.Contains($"failed to create TUN {Device} (TUNSETIFF): EBUSY", busy.Message);

        var mtu = Assert.Throws<InvalidOperationException>(() =>
            ns.Run(() =>
            {
                using var tun = LinuxTunDevice.Create(Device, 1400);
                new LinkConfigurator().Configure(tun.Name, A("10.244.1.0"), 50, S("10.244.0.0/16"));
                return 0;
            }));
        Assert.Contains($"failed to set MTU 50 on {Device}: EINVAL", mtu.Message);
    }

    private static byte[] UdpPacket(string source, string destination, int sourcePort, int destinationPort, ReadOnlySpan<byte> data)
    {
        var udp = new byte[8 + data.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), (ushort)destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        // Checksum 0: "no checksum", allowed for UDP over IPv4 (RFC 768).
        data.CopyTo(udp.AsSpan(8));
        return Ipv4(source, destination, ProtoUdp, udp, flagsAndOffset: 0);
    }
}
