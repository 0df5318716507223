using Overlay.Node.Dataplane;
using static Overlay.Node.Tests.Packets;

namespace Overlay.Node.Tests;

public class OutsidePumpTests
{
    [Fact]
    public void Writes_a_valid_packet_from_its_peer_into_the_tun_and_counts_it()
    {
        using var f = new PumpFixture();
        var packet = Ipv4("10.244.2.9", "10.244.1.5", ProtoTcp);

        f.Outside.Process(packet, PumpFixture.PeerSource);

        Assert.True(f.Tun.TryTakeWritten(out var written, TimeSpan.FromSeconds(5)));
        Assert.Equal(packet, written);
        Assert.Equal(1, f.PeerCounters.RxPackets);
        Assert.Equal(packet.Length, f.PeerCounters.RxBytes);
        Assert.Equal(0, f.Drops.Total);
    }

    [Fact]
    public void Drops_non_ipv4_as_not_ipv4()
    {
        using var f = new PumpFixture();
        f.Outside.Process([], PumpFixture.PeerSource);
        f.Outside.Process([0x60, 0, 0, 0], PumpFixture.PeerSource);
        f.AssertOnlyDrop(DropReason.NotIpv4, 2);
        Assert.Equal(0, f.Tun.WrittenCount);
    }

    [Fact]
    public void Drops_malformed_datagrams_as_malformed()
    {
        using var f = new PumpFixture();
        var packet = Ipv4("10.244.2.9", "10.244.1.5");
        var badChecksum = (byte[])packet.Clone();
        badChecksum[8] ^= 0x10;

        f.Outside.Process(packet.AsSpan(0, 10), PumpFixture.PeerSource);            // truncated header
        f.Outside.Process(packet.AsSpan(0, packet.Length - 1), PumpFixture.PeerSource); // truncated payload
        f.Outside.Process([.. packet, 0xEE], PumpFixture.PeerSource);              // datagram longer than the packet
        f.Outside.Process(badChecksum, PumpFixture.PeerSource);

        f.AssertOnlyDrop(DropReason.Malformed, 4);
        Assert.Equal(0, f.Tun.WrittenCount);
    }

    [Theory]
    [InlineData("10.244.3.5")]
    [InlineData("10.244.2.5")]
    [InlineData("10.245.1.5")]
    [InlineData("8.8.8.8")]
    public void Drops_packets_for_other_subnets_as_not_for_this_subnet(string destination)
    {
        using var f = new PumpFixture();
        f.Outside.Process(Ipv4("10.244.2.9", destination), PumpFixture.PeerSource);
        f.AssertOnlyDrop(DropReason.NotForThisSubnet);
        Assert.Equal(0, f.Tun.WrittenCount);
    }

    [Fact]
    public void Drops_a_known_inner_source_from_the_wrong_host_as_spoofed_source()
    {
        using var f = new PumpFixture();
        f.Outside.Process(Ipv4("10.244.2.9", "10.244.1.5"), PumpFixture.Attacker);
        f.AssertOnlyDrop(DropReason.SpoofedSource);
        Assert.Equal(0, f.Tun.WrittenCount);
        Assert.Equal(0, f.PeerCounters.RxPackets);
    }

    [Theory]
    [InlineData("10.244.7.9")] // a subnet nobody leases
    [InlineData("10.244.1.9")] // our own subnet, from outside
    [InlineData("192.0.2.2")]  // outside the overlay
    public void Drops_inner_sources_no_peer_owns_as_unknown_source(string source)
    {
        using var f = new PumpFixture();
        f.Outside.Process(Ipv4(source, "10.244.1.5"), PumpFixture.PeerSource);
        f.AssertOnlyDrop(DropReason.UnknownSource);
        Assert.Equal(0, f.Tun.WrittenCount);
    }

    [Fact]
    public void Without_the_source_check_any_sender_is_accepted()
    {
        using var f = new PumpFixture(sourceCheck: false);
        f.Outside.Process(Ipv4("10.244.2.9", "10.244.1.5"), PumpFixture.Attacker);
        f.Outside.Process(Ipv4("10.244.7.9", "10.244.1.5"), PumpFixture.Attacker);
        Assert.Equal(2, f.Tun.WrittenCount);
        Assert.Equal(0, f.Drops.Total);
        Assert.Equal(1, f.PeerCounters.RxPackets); // only the packet whose inner source the peer owns
    }

    [Fact]
    public void A_refused_tun_write_is_a_tun_write_error()
    {
        using var f = new PumpFixture();
        f.Tun.RejectWrites = true;
        f.Outside.Process(Ipv4("10.244.2.9", "10.244.1.5"), PumpFixture.PeerSource);
        f.AssertOnlyDrop(DropReason.TunWriteError);
        Assert.Equal(0, f.PeerCounters.RxPackets);
    }

    [Fact]
    public void A_receive_batch_of_more_datagrams_than_one_tun_batch_holds_is_written_whole_and_counted_per_peer()
    {
        // 65500 bytes of 100-byte datagrams: 655 of them, more than the 512 one TUN batch holds.
        using var f = new PumpFixture();
        var packet = Ipv4("10.244.2.9", "10.244.1.5", ProtoUdp, payload: new byte[100 - 28]);
        var batch = Enumerable.Repeat(packet, 655).SelectMany(p => p).ToArray();

        f.Outside.Process(batch, packet.Length, PumpFixture.PeerSource);

        Assert.Equal(655, f.Tun.WrittenCount);
        Assert.Equal(655, f.PeerCounters.RxPackets);
        Assert.Equal(655L * packet.Length, f.PeerCounters.RxBytes);
        Assert.Equal(0, f.Drops.Total);
    }

    [Fact]
    public void In_a_batch_only_the_packets_the_tun_refused_count_as_tun_write_errors()
    {
        using var f = new PumpFixture();
        var packet = Ipv4("10.244.2.9", "10.244.1.5", ProtoUdp);
        var spoofed = Ipv4("10.244.2.9", "10.244.1.5", ProtoUdp);
        f.Outside.Process([.. packet, .. packet], packet.Length, PumpFixture.PeerSource);
        f.Tun.RejectWrites = true;
        f.Outside.Process([.. packet, .. packet, .. packet], packet.Length, PumpFixture.PeerSource);
        f.Outside.Process(spoofed, PumpFixture.Attacker);

        Assert.Equal(2, f.Tun.WrittenCount);
        Assert.Equal(2, f.PeerCounters.RxPackets);
        Assert.Equal(3, f.Drops[DropReason.TunWriteError]);
        Assert.Equal(1, f.Drops[DropReason.SpoofedSource]);
        Assert.Equal(4, f.Drops.Total);
    }
}
