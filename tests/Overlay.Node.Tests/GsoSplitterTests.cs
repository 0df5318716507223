using System.Buffers.Binary;
using Overlay.Node.Dataplane;
using Overlay.Node.Tun;
using static Overlay.Node.Tests.TcpPackets;

namespace Overlay.Node.Tests;

/// <summary>The TX half of the offload path: TUN super-packets cut into flannel-format IPv4 packets.</summary>
public class GsoSplitterTests
{
    [Theory]
    [InlineData(1, 0, 0)]
    [InlineData(1431, 0, 0)]
    [InlineData(1432, 0, 0)]
    [InlineData(1433, 0, 0)]
    [InlineData(2864, 0, 0)]
    [InlineData(5001, 0, 3)]   // TCP timestamps-sized options
    [InlineData(7777, 2, 0)]   // IP options
    [InlineData(9999, 10, 10)] // largest headers: 60 + 60
    [InlineData(65495, 0, 0)]  // the largest IPv4 packet
    public void Splits_a_super_packet_into_segments_of_at_most_the_mtu_with_correct_headers(int payloadLength, int ipOptionWords, int tcpOptionWords)
    {
        var header = 40 + 4 * (ipOptionWords + tcpOptionWords);
        var mss = OffloadFixture.Mtu - header;
        var payload = Payload(payloadLength);
        var super = Segment("10.244.1.5", "10.244.2.9", payload, seq: 0xFFFFF000, flags: Ack | Psh,
            ipOptionWords: ipOptionWords, tcpOptionWords: tcpOptionWords, id: 0xFFFE, pseudoOnly: true);

        var segments = OffloadFixture.Split(SuperPacket(super, mss));

        Assert.Equal(Math.Max(1, (payloadLength + mss - 1) / mss), segments.Count);
        var rebuilt = new List<byte>();
        for (var i = 0; i < segments.Count; i++)
        {
            var s = segments[i];
            var last = i == segments.Count - 1;
            Assert.True(s.Length <= OffloadFixture.Mtu);
            Assert.Equal(last ? payloadLength - i * mss + header : OffloadFixture.Mtu, s.Length);
            Assert.Equal(s.Length, BinaryPrimitives.ReadUInt16BigEndian(s.AsSpan(2)));
            Assert.Equal((ushort)(0xFFFE + i), BinaryPrimitives.ReadUInt16BigEndian(s.AsSpan(4)));
            Assert.True(Rfc1071.Verifies(s.AsSpan(0, 20 + 4 * ipOptionWords)), $"IP checksum of segment {i}");
            Assert.True(TcpChecksumVerifies(s), $"TCP checksum of segment {i}");
            var tcp = s.AsSpan(20 + 4 * ipOptionWords);
            Assert.Equal(unchecked(0xFFFFF000u + (uint)(i * mss)), BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]));
            Assert.Equal(last ? Ack | Psh : Ack, (int)tcp[13]);
            Assert.Equal(super.AsSpan(0, 20 + 4 * ipOptionWords)[12..].ToArray(), s.AsSpan(12, 8 + 4 * ipOptionWords).ToArray());
            rebuilt.AddRange(s.AsSpan(header).ToArray());
        }
        Assert.Equal(payload, rebuilt.ToArray());
    }

    [Fact]
    public void Fin_and_psh_only_on_the_last_segment_cwr_only_on_the_first()
    {
        var super = Segment("10.244.1.5", "10.244.2.9", Payload(4000), flags: Ack | Psh | Fin | Cwr, pseudoOnly: true);
        var segments = OffloadFixture.Split(SuperPacket(super, 1432));
        Assert.Equal([Ack | Cwr, Ack, Ack | Psh | Fin], segments.Select(s => (int)s[33]).ToArray());
    }

    // With TUN_F_TSO_ECN the kernel hands over super-packets of ECN flows with GSO_ECN set on top of
    // GSO_TCPV4; they split like any other, CWR (which the flag is about) only on the first segment.
    [Fact]
    public void A_super_packet_flagged_ecn_splits_like_any_other_with_cwr_only_on_the_first_segment()
    {
        var super = Segment("10.244.1.5", "10.244.2.9", Payload(4000), flags: Ack | Psh | Cwr, pseudoOnly: true, tos: 0x02);
        var frame = SuperPacket(super, 1432);
        var plain = OffloadFixture.Split(frame);
        frame[1] = VirtioNetHeader.GsoTcpV4 | VirtioNetHeader.GsoEcn;

        var segments = OffloadFixture.Split(frame);

        Assert.Equal(plain, segments);
        Assert.Equal([Ack | Cwr, Ack, Ack | Psh], segments.Select(s => (int)s[33]).ToArray());
        Assert.All(segments, s => Assert.True(TcpChecksumVerifies(s)));
        Assert.All(segments, s => Assert.Equal(0x02, s[1]));
    }

    [Fact]
    public void Completes_a_needs_csum_packet_in_place()
    {
        var packet = Segment("10.244.1.5", "10.244.2.9", Payload(999), pseudoOnly: true);
        Assert.False(TcpChecksumVerifies(packet));
        var frame = new byte[VirtioNetHeader.Size + packet.Length];
        new VirtioNetHeader(VirtioNetHeader.FlagNeedsCsum, VirtioNetHeader.GsoNone, 0, 0, 20, 16).Write(frame);
        packet.CopyTo(frame, VirtioNetHeader.Size);

        var single = OffloadFixture.Split(frame);

        Assert.True(TcpChecksumVerifies(Assert.Single(single)));
    }

    [Fact]
    public void Rejects_inconsistent_super_packets()
    {
        var splitter = new GsoSplitter();
        var good = Segment("10.244.1.5", "10.244.2.9", Payload(3000), pseudoOnly: true);
        VirtioNetHeader Gso(ushort mss) => new(VirtioNetHeader.FlagNeedsCsum, VirtioNetHeader.GsoTcpV4, 40, mss, 20, 16);

        var udp = Packets.Ipv4("10.244.1.5", "10.244.2.9", Packets.ProtoUdp, Payload(3000));
        Assert.Equal(GsoSplitResult.Malformed, splitter.Split(udp, Gso(1432), 1472));
        Assert.Equal(GsoSplitResult.Malformed, splitter.Split(good.ToArray(), Gso(0), 1472));
        Assert.Equal(GsoSplitResult.Malformed, splitter.Split(good.AsSpan(0, good.Length - 1).ToArray(), Gso(1432), 1472));
        Assert.Equal(GsoSplitResult.Malformed, splitter.Split(good.AsSpan(0, 30).ToArray(), Gso(1432), 1472));
        Assert.Equal(GsoSplitResult.NotIpv4, splitter.Split([0x60, 0, 0, 0], Gso(1432), 1472));
        Assert.Equal(GsoSplitResult.TooBig, splitter.Split(good.ToArray(), Gso(1433), 1472));
        Assert.Equal(GsoSplitResult.Malformed, splitter.Split(good.ToArray(),
            new VirtioNetHeader(VirtioNetHeader.FlagNeedsCsum, 3 /* GSO_UDP */, 28, 1400, 20, 6), 1472));
        Assert.Equal(GsoSplitResult.Malformed, splitter.Split(good.ToArray(),
            new VirtioNetHeader(VirtioNetHeader.FlagNeedsCsum, 0, 0, 0, 20, (ushort)good.Length), 1472));
    }
}
