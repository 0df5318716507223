using System.Buffers.Binary;
using Overlay.Node.Dataplane;
using Overlay.Node.Tun;
using static Overlay.Node.Tests.Packets;
using static Overlay.Node.Tests.TcpPackets;

namespace Overlay.Node.Tests;

/// <summary>
/// UDP segmentation offload on the TUN (TUN_F_USO4): a GSO_UDP_L4 read is cut into exactly the datagrams
/// the kernel's own UDP segmentation would send, and received datagrams of one flow are merged into one
/// GSO_UDP_L4 write whose segmentation gives back the datagrams that arrived, byte for byte. Expected
/// datagrams are built independently here, with a naive RFC 1071 checksum.
/// </summary>
public class UdpOffloadTests
{
    private const ushort SourcePort = 40000, DestinationPort = 5201;

    /// <summary>One UDP/IPv4 datagram with a correct (naively computed) UDP checksum; a computed 0 is sent as 0xFFFF.</summary>
    private static byte[] Datagram(string source, string destination, byte[] payload, ushort id, byte tos = 0,
        ushort sourcePort = SourcePort, ushort destinationPort = DestinationPort)
    {
        var udp = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        payload.CopyTo(udp, 8);
        var packet = Ipv4(source, destination, ProtoUdp, udp, id: id);
        packet[1] = tos;
        FixChecksum(packet);
        var check = NaiveUdpChecksum(packet);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(26), check == 0 ? (ushort)0xFFFF : check);
        return packet;
    }

    private static ushort NaiveUdpChecksum(byte[] packet)
    {
        var length = packet.Length - 20;
        var pseudo = new byte[12 + length];
        packet.AsSpan(12, 8).CopyTo(pseudo);
        pseudo[9] = ProtoUdp;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo.AsSpan(10), (ushort)length);
        packet.AsSpan(20).CopyTo(pseudo.AsSpan(12));
        pseudo[12 + 6] = pseudo[12 + 7] = 0;
        return Rfc1071.Checksum(pseudo);
    }

    private static bool UdpChecksumVerifies(byte[] packet)
    {
        var stored = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(26));
        var computed = NaiveUdpChecksum(packet);
        return stored == (computed == 0 ? 0xFFFF : computed);
    }

    /// <summary>What a USO read from the TUN looks like: virtio header (NEEDS_CSUM, GSO_UDP_L4, gso_size) and
    /// one IPv4/UDP packet carrying the whole payload, UDP length the total, the pseudo-header sum in the checksum.</summary>
    private static byte[] UsoFrame(byte[] payload, int gsoSize, ushort id)
    {
        var packet = Datagram("10.244.1.5", "10.244.2.9", payload, id);
        var sum = 0UL;
        for (var i = 12; i < 20; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(i));
        sum += ProtoUdp + (ulong)(packet.Length - 20);
        while (sum >> 16 != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(26), (ushort)sum);
        var frame = new byte[VirtioNetHeader.Size + packet.Length];
        new VirtioNetHeader(VirtioNetHeader.FlagNeedsCsum, VirtioNetHeader.GsoUdpL4, 28, (ushort)gsoSize, 20, VirtioNetHeader.UdpCsumOffset).Write(frame);
        packet.CopyTo(frame, VirtioNetHeader.Size);
        return frame;
    }

    /// <summary>The datagrams a USO super-packet of <paramref name="payload"/> must become: built one by one.</summary>
    private static List<byte[]> Expected(byte[] payload, int gsoSize, ushort id, string source = "10.244.1.5", string destination = "10.244.2.9")
    {
        var list = new List<byte[]>();
        for (int offset = 0, i = 0; offset < payload.Length; offset += gsoSize, i++)
            list.Add(Datagram(source, destination, payload.AsSpan(offset, Math.Min(gsoSize, payload.Length - offset)).ToArray(), (ushort)(id + i)));
        return list;
    }

    [Theory]
    [InlineData(3000, 1444)]   // full datagrams at MTU 1472 (20 + 8 + 1444), the last one short
    [InlineData(2888, 1444)]   // two full datagrams exactly at the MTU, nothing short
    [InlineData(1001, 333)]    // odd sizes: 333, 333, 333 and a last datagram of 2 bytes
    [InlineData(1, 1)]         // a one-byte payload
    [InlineData(64000, 1000)]  // 64 datagrams, the last short
    public void A_uso_read_is_cut_into_the_datagrams_the_kernel_would_send(int length, int gsoSize)
    {
        var payload = Payload(length, seed: length);
        var frame = UsoFrame(payload, gsoSize, id: 0xFFFE);

        var split = OffloadFixture.Split(frame);

        var expected = Expected(payload, gsoSize, id: 0xFFFE); // identifications wrap past 0xFFFF
        Assert.Equal(expected, split);
        Assert.All(split, d => Assert.True(Rfc1071.Verifies(d.AsSpan(0, 20)) && UdpChecksumVerifies(d) && d.Length <= OffloadFixture.Mtu));
    }

    [Fact]
    public void A_datagram_whose_checksum_computes_to_zero_carries_0xffff()
    {
        // Choose the last payload word so that the one's-complement sum of the second datagram is 0xFFFF.
        var payload = Payload(20, seed: 9);
        payload[^2] = payload[^1] = 0;
        var probe = Datagram("10.244.1.5", "10.244.2.9", payload[10..], id: 0x0101);
        BinaryPrimitives.WriteUInt16BigEndian(probe.AsSpan(26), 0);
        var sumWithoutLast = (ushort)~NaiveUdpChecksum(probe);
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(18), (ushort)~sumWithoutLast);

        var split = OffloadFixture.Split(UsoFrame(payload, 10, id: 0x0100));

        Assert.Equal(0xFFFF, BinaryPrimitives.ReadUInt16BigEndian(split[1].AsSpan(26)));
        Assert.Equal(Expected(payload, 10, id: 0x0100), split);
    }

    [Fact]
    public void A_uso_read_whose_datagrams_exceed_the_mtu_is_dropped_as_too_big()
    {
        var f = new OffloadFixture(udpOffloads: true);
        f.Inside.ProcessFrame(UsoFrame(Payload(3000), 1445, id: 1));
        Assert.Equal(1, f.Drops[DropReason.TooBig]);
        Assert.Empty(f.Udp.Sends);
    }

    [Fact]
    public void The_inside_pump_sends_a_uso_read_as_flannel_datagrams_in_udp_segment_sends_within_the_limits()
    {
        var f = new OffloadFixture(udpOffloads: true);
        var payload = Payload(100 * 200 + 7);
        var expected = Expected(payload, 200, id: 7);

        f.Inside.ProcessFrame(UsoFrame(payload, 200, id: 7));

        Assert.Equal([64, 37], f.Udp.Sends.Select(s => s.Datagrams.Length).ToArray());
        Assert.All(f.Udp.Sends, s => Assert.Equal(228, s.SegmentSize));
        Assert.Equal(expected, f.Udp.Sends.SelectMany(s => s.Datagrams).ToList());
        Assert.Equal((1L, 101L, 2L), (f.Inside.Counters.SuperPackets, f.Inside.Counters.SegmentsSent, f.Inside.Counters.UdpSends));
        Assert.Equal(0, f.Drops.Total);
    }

    [Theory]
    [InlineData(5, 333, 2)]      // odd sizes, last datagram short
    [InlineData(44, 1444, 1444)] // 44 datagrams exactly at the MTU
    [InlineData(3, 1444, 1)]     // full datagrams, a one-byte last one
    [InlineData(64, 100, 100)]   // as many as one write takes
    public void Datagrams_of_one_flow_are_written_as_one_uso_packet_that_splits_back_byte_for_byte(int count, int size, int lastSize)
    {
        var f = new OffloadFixture(udpOffloads: true);
        var datagrams = Enumerable.Range(0, count)
            .Select(i => Datagram("10.244.2.9", "10.244.1.5", Payload(i == count - 1 ? lastSize : size, seed: i), id: (ushort)(0xFFF0 + i), tos: 0x10))
            .ToList();
        var (batch, segmentSize) = OffloadFixture.Batch(datagrams);

        f.Outside.Process(batch, segmentSize, OffloadFixture.PeerSource);

        var written = Assert.Single(f.Tun.Written);
        var vnet = VirtioNetHeader.Read(written);
        Assert.Equal(new VirtioNetHeader(VirtioNetHeader.FlagNeedsCsum, VirtioNetHeader.GsoUdpL4, 28, (ushort)size, 20, 6), vnet);
        var packet = written.AsSpan(VirtioNetHeader.Size).ToArray();
        var total = datagrams.Sum(d => d.Length - 28);
        Assert.Equal(28 + total, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2)));
        Assert.True(Rfc1071.Verifies(packet.AsSpan(0, 20)));
        Assert.Equal(8 + total, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(24)));
        Assert.Equal(datagrams.SelectMany(d => d.Skip(28)).ToArray(), packet.Skip(28).ToArray());
        // The kernel cuts it back into the datagrams that arrived: same headers, identifications, checksums.
        Assert.Equal(datagrams, OffloadFixture.Split(written));
        Assert.Equal((count, datagrams.Sum(d => (long)d.Length)), (f.PeerCounters.RxPackets, f.PeerCounters.RxBytes));
        Assert.Equal((1L, 0L), (f.Outside.Counters.CoalescedWrites, f.Outside.Counters.SingleWrites));
        Assert.Equal(0, f.Drops.Total);
    }

    [Fact]
    public void Without_uso_on_the_tun_every_datagram_is_written_alone()
    {
        var f = new OffloadFixture();
        var datagrams = Enumerable.Range(0, 4).Select(i => Datagram("10.244.2.9", "10.244.1.5", Payload(500, i), id: (ushort)i)).ToList();
        var (batch, segmentSize) = OffloadFixture.Batch(datagrams);

        f.Outside.Process(batch, segmentSize, OffloadFixture.PeerSource);

        Assert.Equal(datagrams, f.Tun.Written.Select(w => w[VirtioNetHeader.Size..]).ToList());
        Assert.All(f.Tun.Written, w => Assert.Equal(VirtioNetHeader.None, VirtioNetHeader.Read(w)));
        Assert.False(f.Tun.Writer.CoalescingUdp);
    }

    [Fact]
    public void A_datagram_that_does_not_follow_ends_the_run_and_is_written_as_the_kernel_would_not_merge_it()
    {
        var f = new OffloadFixture(udpOffloads: true);
        var zeroChecksum = Datagram("10.244.2.9", "10.244.1.5", Payload(500, 8), id: 8);
        zeroChecksum[26] = zeroChecksum[27] = 0;
        var badChecksum = Datagram("10.244.2.9", "10.244.1.5", Payload(500, 9), id: 9);
        badChecksum[30] ^= 0xFF;
        var datagrams = new List<byte[]>
        {
            Datagram("10.244.2.9", "10.244.1.5", Payload(500, 0), id: 0),
            Datagram("10.244.2.9", "10.244.1.5", Payload(500, 1), id: 1),
            Datagram("10.244.2.9", "10.244.1.5", Payload(500, 2), id: 3),                        // identification skips: new run
            Datagram("10.244.2.9", "10.244.1.5", Payload(500, 3), id: 4),
            Datagram("10.244.2.9", "10.244.1.5", Payload(500, 4), id: 5, destinationPort: 5202), // another flow: new run
            Datagram("10.244.2.9", "10.244.1.5", Payload(500, 5), id: 6, tos: 4),                // another TOS: alone
            zeroChecksum,                                                                          // no checksum: alone
            badChecksum,                                                                           // bad checksum: alone, for the kernel to drop
        };
        var (batch, segmentSize) = OffloadFixture.Batch(datagrams);

        f.Outside.Process(batch, segmentSize, OffloadFixture.PeerSource);

        Assert.Equal([2, 2, 1, 1, 1, 1], f.Tun.Written.Select(w => OffloadFixture.Split(w).Count).ToArray());
        Assert.Equal(datagrams, f.Tun.Written.SelectMany(w => OffloadFixture.Split(w)).ToList());
        Assert.Equal((2L, 4L), (f.Outside.Counters.CoalescedWrites, f.Outside.Counters.SingleWrites));
    }

    [Fact]
    public void A_refused_uso_write_turns_udp_coalescing_off_with_one_notice_and_tcp_coalescing_stays()
    {
        var f = new OffloadFixture(udpOffloads: true);
        f.Tun.RejectGso = true;
        string? notice = null;
        f.Tun.Writer.CoalescingDisabled += reason => notice = reason;
        var datagrams = Enumerable.Range(0, 3).Select(i => Datagram("10.244.2.9", "10.244.1.5", Payload(500, i), id: (ushort)i)).ToList();
        var (batch, segmentSize) = OffloadFixture.Batch(datagrams);

        f.Outside.Process(batch, segmentSize, OffloadFixture.PeerSource);
        f.Tun.RejectGso = false;
        f.Outside.Process(batch, segmentSize, OffloadFixture.PeerSource);

        Assert.Equal("TUN rec0 refused a GSO_UDP_L4 write; writing one UDP datagram per call from now on", notice);
        Assert.Equal(3, f.Drops[DropReason.TunWriteError]);
        Assert.False(f.Tun.Writer.CoalescingUdp);
        Assert.True(f.Tun.Writer.Coalescing);
        Assert.Equal(datagrams, f.Tun.Written.Select(w => w[VirtioNetHeader.Size..]).ToList());
    }
}
