using Overlay.Testing;
using System.Buffers.Binary;
using System.Net;
using Akka.Actor;
using Overlay.Actors.Addressing;
using Overlay.Actors.Node;
using Overlay.Cluster.Tests.Harness;
using Overlay.Node.Udp;

namespace Overlay.Cluster.Tests;

/// <summary>
/// A seed and node agents in one process over the in-memory TUN and UDP fakes: the whole control
/// plane (registry, pub-sub, node and peer-route actors) and the real pumps, without root.
/// </summary>
public sealed class NodeMeshSpec
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Packets_cross_the_mesh_byte_for_byte_and_routes_follow_nodes_leaving_and_joining()
    {
        var network = new ChannelUdpNetwork();
        await using var seed = await ClusterMember.StartAsync(TestStorage.NewSqlite());
        await RegistryPersistenceSpec.ConfigureAsync(seed.Registry);
        var n1 = await FakeNode.StartAsync("n1", IPAddress.Parse("192.0.2.11"), seed, network);
        var n2 = await FakeNode.StartAsync("n2", IPAddress.Parse("192.0.2.12"), seed, network);
        var n3 = await FakeNode.StartAsync("n3", IPAddress.Parse("192.0.2.13"), seed, network);
        try
        {
            var nodes = new[] { n1, n2, n3 };
            await Poll.UntilTrueAsync(() => nodes.All(n => n.Dataplane.IsRunning && n.Dataplane.Peers().Count == 2), Long,
                "every node to run and route to the two others");

            // A packet from a pod on n1 to a pod on n3, written into n1's TUN by "the kernel".
            var packet = UdpPacket(n1.Subnet.Network + 2, n3.Subnet.Network + 2, "hello from n1"u8);
            n1.Tun.InjectFromKernel(packet);
            Assert.True(n3.Tun.TryTakeWritten(out var delivered, TimeSpan.FromSeconds(10)), "nothing came out of n3's TUN");
            Assert.Equal(packet, delivered);
            Assert.False(n2.Tun.TryTakeWritten(out _, TimeSpan.FromMilliseconds(200)), "n2 got a packet meant for n3");

            // n3 leaves: after the registry's grace period its lease ends and n1, n2 drop the route.
            var n3Subnet = n3.Subnet;
            await n3.DisposeAsync();
            foreach (var node in new[] { n1, n2 })
            {
                await Poll.UntilTrueAsync(() => node.Dataplane.Peers().All(p => p.Subnet != n3Subnet),
                    TestRegistrySettings.Fast.GracePeriod + Long, $"{node.Name} to drop the route to {n3Subnet}");
                await Poll.UntilTrueAsync(async () => !await ChildExists(node, n3Subnet), Long,
                    $"{node.Name}'s peer actor for {n3Subnet} to stop");
            }
            n1.Tun.InjectFromKernel(UdpPacket(n1.Subnet.Network + 2, n3Subnet.Network + 2, "anyone?"u8));
            Assert.True(n1.Tun.TryTakeWritten(out var unreachable, TimeSpan.FromSeconds(10)), "no ICMP net unreachable came back");
            Assert.Equal(1, unreachable[9]);  // ICMP
            Assert.Equal(3, unreachable[20]); // destination unreachable
            Assert.Equal(0, unreachable[21]); // net unreachable

            // A fourth node joins: it routes to n1 and n2, and they route to it.
            await using var n4 = await FakeNode.StartAsync("n4", IPAddress.Parse("192.0.2.14"), seed, network);
            await Poll.UntilTrueAsync(() => n4.Dataplane.IsRunning && n4.Dataplane.Peers().Count == 2, Long, "n4 to route to n1 and n2");
            foreach (var node in new[] { n1, n2 })
            {
                await Poll.UntilTrueAsync(() => node.Dataplane.Peers().Any(p => p.Subnet == n4.Subnet), Long, $"{node.Name} to route to n4");
                Assert.True(await ChildExists(node, n4.Subnet), $"{node.Name} has no peer actor for n4");
            }
            var back = UdpPacket(n4.Subnet.Network + 2, n2.Subnet.Network + 2, "hello from n4"u8);
            n4.Tun.InjectFromKernel(back);
            Assert.True(n2.Tun.TryTakeWritten(out var got, TimeSpan.FromSeconds(10)), "nothing came out of n2's TUN");
            Assert.Equal(back, got);
        }
        finally
        {
            await n1.DisposeAsync();
            await n2.DisposeAsync();
            await n3.DisposeAsync();
        }
    }

    private static async Task<bool> ChildExists(FakeNode node, Ipv4Subnet subnet)
    {
        try
        {
            await node.Member.System.ActorSelection(node.Actor.Path / PeerRouteActor.NameOf(subnet)).ResolveOne(TimeSpan.FromSeconds(1));
            return true;
        }
        catch (ActorNotFoundException)
        {
            return false;
        }
    }

    /// <summary>An IPv4/UDP packet with a valid header checksum (UDP checksum 0: optional in IPv4).</summary>
    private static byte[] UdpPacket(uint source, uint destination, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[28 + payload.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), 0x1234);
        packet[8] = 64;
        packet[9] = 17;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12), source);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(16), destination);
        uint sum = 0;
        for (var i = 0; i < 20; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(i));
        while (sum > 0xFFFF)
            sum = (sum & 0xFFFF) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), (ushort)~sum);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), 40000);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), 5000);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + payload.Length));
        payload.CopyTo(packet.AsSpan(28));
        return packet;
    }
}
