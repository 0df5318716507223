using Overlay.Node.Dataplane;
using static Overlay.Node.Tests.Packets;

namespace Overlay.Node.Tests;

public class InsidePumpTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void Sends_the_packet_unchanged_to_the_peer_and_counts_it()
    {
        using var f = new PumpFixture();
        var packet = Ipv4("10.244.1.5", "10.244.2.9", ProtoTcp);

        f.Inside.Process(packet);

        Assert.True(f.Peer.TryTake(out var datagram, out var from, TimeSpan.FromSeconds(5)));
        Assert.Equal(packet, datagram);
        Assert.Equal(new Overlay.Node.Udp.UdpSource(A("192.0.2.1"), 8285), from);
        Assert.Equal(1, f.PeerCounters.TxPackets);
        Assert.Equal(packet.Length, f.PeerCounters.TxBytes);
        Assert.Equal(0, f.Drops.Total);
    }

    [Fact]
    public void Drops_non_ipv4_as_not_ipv4()
    {
        using var f = new PumpFixture();
        var ipv6 = new byte[48];
        ipv6[0] = 0x60;
        f.Inside.Process(ipv6);
        f.AssertOnlyDrop(DropReason.NotIpv4);
        Assert.Equal(0, f.Udp.SentCount);
    }

    [Fact]
    public void Drops_malformed_packets_as_malformed()
    {
        using var f = new PumpFixture();
        var packet = Ipv4("10.244.1.5", "10.244.2.9");
        f.Inside.Process(packet.AsSpan(0, packet.Length - 1)); // total length past the read
        f.Inside.Process([.. packet, 0, 0]);                    // trailing bytes after total length
        f.Inside.Process(packet.AsSpan(0, 19));                // shorter than a header
        f.AssertOnlyDrop(DropReason.Malformed, 3);
        Assert.Equal(0, f.Udp.SentCount);
    }

    [Fact]
    public void Drops_packets_longer_than_the_tun_mtu_as_too_big()
    {
        using var f = new PumpFixture();
        f.Inside.Process(Ipv4("10.244.1.5", "10.244.2.9", payload: new byte[1473 - 20]));
        f.AssertOnlyDrop(DropReason.TooBig);

        f.Inside.Process(Ipv4("10.244.1.5", "10.244.2.9", payload: new byte[1472 - 20]));
        Assert.Equal(1, f.PeerCounters.TxPackets);
    }

    [Fact]
    public void No_peer_means_no_route_and_an_icmp_net_unreachable_back_into_the_tun()
    {
        using var f = new PumpFixture();
        var packet = Ipv4("10.244.1.5", "10.244.9.7", ProtoTcp);

        f.Inside.Process(packet);

        f.AssertOnlyDrop(DropReason.NoRoute);
        Assert.True(f.Tun.TryTakeWritten(out var reply, TimeSpan.FromSeconds(5)));
        Assert.Equal(Ipv4Packet.ParseError.None, Ipv4Packet.TryParse(reply, out var ip));
        Assert.Equal(A("10.244.1.0"), ip.Source);
        Assert.Equal(A("10.244.1.5"), ip.Destination);
        Assert.Equal(DataplaneConstants.IcmpReplyTtl, ip.Ttl);
        Assert.Equal([3, 0], ip.Payload[..2].ToArray());
        Assert.Equal(packet[..28], ip.Payload[8..].ToArray());
        Assert.True(Rfc1071.Verifies(ip.Payload));
        Assert.Equal(0, f.Udp.SentCount);
    }

    [Fact]
    public void Own_subnet_and_addresses_outside_the_network_are_no_route_too()
    {
        using var f = new PumpFixture();
        f.Inside.Process(Ipv4("10.244.1.5", "10.244.1.7"));
        f.Inside.Process(Ipv4("10.244.1.5", "192.0.2.200"));
        f.AssertOnlyDrop(DropReason.NoRoute, 2);
        Assert.Equal(2, f.Tun.WrittenCount);
    }

    [Fact]
    public void No_icmp_reply_to_icmp_errors_or_non_first_fragments()
    {
        using var f = new PumpFixture();
        f.Inside.Process(IcmpPacket("10.244.1.5", "10.244.9.7", type: 3, code: 1));
        f.Inside.Process(IcmpPacket("10.244.1.5", "10.244.9.7", type: 11));
        f.Inside.Process(Ipv4("10.244.1.5", "10.244.9.7", flagsAndOffset: 0x2000 | 100));

        f.AssertOnlyDrop(DropReason.NoRoute, 3);
        Assert.False(f.Tun.TryTakeWritten(out _, Short));

        f.Inside.Process(IcmpPacket("10.244.1.5", "10.244.9.7", type: 8)); // echo request: answered
        Assert.True(f.Tun.TryTakeWritten(out _, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_failed_send_is_a_send_error_and_not_counted_for_the_peer()
    {
        using var f = new PumpFixture();
        f.Udp.FailSends = true;
        f.Inside.Process(Ipv4("10.244.1.5", "10.244.2.9"));
        f.AssertOnlyDrop(DropReason.SendError);
        Assert.Equal(0, f.PeerCounters.TxPackets);
    }

    [Fact]
    public void Route_changes_apply_to_the_next_packet()
    {
        using var f = new PumpFixture();
        f.Table.Update(t => t.Without(TestNetwork.S("10.244.2.0/24")));
        f.Inside.Process(Ipv4("10.244.1.5", "10.244.2.9"));
        f.AssertOnlyDrop(DropReason.NoRoute);

        f.Table.Update(t => t.With(TestNetwork.S("10.244.2.0/24"), TestNetwork.E("192.0.2.2"), f.PeerCounters));
        f.Inside.Process(Ipv4("10.244.1.5", "10.244.2.9"));
        Assert.Equal(1, f.PeerCounters.TxPackets);
    }
}
