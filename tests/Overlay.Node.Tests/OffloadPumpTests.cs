using System.Buffers.Binary;
using CsCheck;
using Overlay.Node.Dataplane;
using Overlay.Node.Tun;
using Overlay.Node.Udp;
using static Overlay.Node.Tests.Packets;
using static Overlay.Node.Tests.TcpPackets;

namespace Overlay.Node.Tests;

/// <summary>The pumps over offload-capable fakes: UDP_SEGMENT batching on send, GRO slicing, validation and TCP coalescing (in the device) on receive.</summary>
public class OffloadPumpTests
{
    private static readonly UdpSource Spoofer = new(A("198.51.100.66"), 8285);

    [Fact]
    public void Sends_a_super_packet_as_flannel_datagrams_in_as_few_udp_segment_calls_as_the_limits_allow()
    {
        var f = new OffloadFixture();
        var super = Segment("10.244.1.5", "10.244.2.9", Payload(65495), pseudoOnly: true);
        var frame = SuperPacket(super, 1432);
        var expected = OffloadFixture.Split(frame);

        f.Inside.ProcessFrame(frame);

        Assert.Equal(46, expected.Count);
        Assert.Equal(2, f.Udp.Sends.Count); // 44 x 1472 = 64768 <= 65507, then the rest
        Assert.All(f.Udp.Sends, s => Assert.True(s.Datagrams.Length <= 64 && s.Datagrams.Sum(d => d.Length) <= 65507));
        Assert.All(f.Udp.Sends, s => Assert.Equal(1472, s.SegmentSize));
        Assert.All(f.Udp.Sends, s => Assert.Equal(new UdpSource(A("192.0.2.2"), 8285), s.To));
        var sent = f.Udp.Sends.SelectMany(s => s.Datagrams).ToList();
        Assert.Equal(expected.Count, sent.Count);
        for (var i = 0; i < sent.Count; i++)
            Assert.Equal(expected[i], sent[i]);
        Assert.True(sent.Take(sent.Count - 1).All(d => d.Length == 1472) && sent[^1].Length < 1472);
        Assert.Equal(46, f.PeerCounters.TxPackets);
        Assert.Equal(sent.Sum(d => d.Length), f.PeerCounters.TxBytes);
        Assert.Equal(0, f.Drops.Total);
        Assert.Equal((1, 46, 2), (f.Inside.Counters.SuperPackets, f.Inside.Counters.SegmentsSent, f.Inside.Counters.UdpSends));
    }

    [Theory]
    [InlineData(1472, 44)]   // full-size datagrams at flannel's TUN MTU on a 1500-byte underlay: 44 x 1472 = 64768 <= 65507
    [InlineData(8972, 7)]    // jumbo underlay
    [InlineData(576, 64)]    // the kernel's 64-datagram limit binds first
    public void One_udp_segment_send_carries_at_most_64_datagrams_and_65507_bytes(int segmentSize, int expected)
    {
        Assert.Equal(expected, InsidePump.SegmentsPerSend(segmentSize));
        Assert.True(expected * segmentSize <= DataplaneConstants.MaxUdpPayload);
    }

    // A forwarded super-packet is as big as the sender's TCP made it for its own device (a pod's veth has
    // no segment cap), so it may hold more segments than one UDP_SEGMENT send allows: it goes out in
    // several sends, each within both limits, every datagram one whole inner packet, in order.
    [Theory]
    [InlineData(500, 65000, new[] { 64, 64, 2 })]      // 130 segments of 552-byte datagrams: the 64-datagram limit binds
    [InlineData(1000, 65000, new[] { 62, 3 })]         // 65 segments of 1052 bytes: 62 x 1052 = 65224 <= 65507 binds
    [InlineData(1420, 65300, new[] { 44, 2 })]         // a pod's 46-segment 64 KiB super-packet at MTU 1472
    [InlineData(88, 11264, new[] { 64, 64 })]          // 128 segments, exactly two full sends, the last datagram full
    [InlineData(1420, 62480, new[] { 44 })]            // 44 full segments: one send, nothing left
    public void A_super_packet_of_more_segments_than_one_send_carries_goes_out_in_several_sends_within_the_limits(int mss, int payload, int[] sends)
    {
        var f = new OffloadFixture();
        var super = Segment("10.244.1.5", "10.244.2.9", Payload(payload), seq: 0xFFFF_F000, flags: Ack | Psh, pseudoOnly: true);
        var frame = SuperPacket(super, mss);
        var expected = OffloadFixture.Split(frame);

        f.Inside.ProcessFrame(frame);

        Assert.Equal(sends, f.Udp.Sends.Select(s => s.Datagrams.Length).ToArray());
        Assert.All(f.Udp.Sends, s => Assert.True(s.Datagrams.Length <= 64 && s.Datagrams.Sum(d => d.Length) <= 65507,
            $"{s.Datagrams.Length} datagrams, {s.Datagrams.Sum(d => d.Length)} bytes"));
        Assert.All(f.Udp.Sends, s => Assert.Equal(40 + mss, s.SegmentSize));
        var sent = f.Udp.Sends.SelectMany(s => s.Datagrams).ToList();
        Assert.Equal(expected.Count, sent.Count);
        for (var i = 0; i < sent.Count; i++)
            Assert.Equal(expected[i], sent[i]);
        // Only the very last datagram may be short; every one is a valid inner packet within the TUN MTU.
        Assert.All(sent.Take(sent.Count - 1), d => Assert.Equal(40 + mss, d.Length));
        Assert.All(sent, d => Assert.True(d.Length <= OffloadFixture.Mtu));
        Assert.All(sent, d => Assert.True(TcpChecksumVerifies(d)));
        Assert.Equal(payload, sent.Sum(d => d.Length - 40));
        // Sequence numbers run on across the sends (wrapping past 2^32), PSH only on the last segment.
        for (var i = 0; i < sent.Count; i++)
        {
            Assert.Equal(unchecked(0xFFFF_F000u + (uint)(i * mss)), BinaryPrimitives.ReadUInt32BigEndian(sent[i].AsSpan(24)));
            Assert.Equal(i == sent.Count - 1, (sent[i][33] & Psh) != 0);
        }
        Assert.Equal(sent.Count, f.PeerCounters.TxPackets);
        Assert.Equal(sent.Sum(d => d.Length), f.PeerCounters.TxBytes);
        Assert.Equal(0, f.Drops.Total);
        Assert.Equal((1L, (long)sent.Count, (long)sends.Length),
            (f.Inside.Counters.SuperPackets, f.Inside.Counters.SegmentsSent, f.Inside.Counters.UdpSends));
    }

    [Fact]
    public void A_super_packet_without_route_counts_every_segment_and_gets_one_icmp_reply_behind_a_zero_header()
    {
        var f = new OffloadFixture();
        var super = Segment("10.244.1.5", "10.244.9.9", Payload(5000), pseudoOnly: true);

        f.Inside.ProcessFrame(SuperPacket(super, 1432));

        Assert.Equal(4, f.Drops[DropReason.NoRoute]);
        var reply = Assert.Single(f.Tun.Written);
        Assert.True(reply.AsSpan(0, VirtioNetHeader.Size).ToArray().All(b => b == 0));
        Assert.Equal(ProtoIcmp, reply[VirtioNetHeader.Size + 9]);
        Assert.Equal(3, reply[VirtioNetHeader.Size + 20]);
        Assert.Empty(f.Udp.Sends);
    }

    [Fact]
    public void Ordinary_packets_keep_the_plain_rules_on_the_offload_path()
    {
        var f = new OffloadFixture();
        byte[] Plain(byte[] p) => [.. new byte[VirtioNetHeader.Size], .. p];

        f.Inside.ProcessFrame(Plain(Ipv4("10.244.1.5", "10.244.2.9")));
        f.Inside.ProcessFrame(Plain(Ipv4("10.244.1.5", "10.244.2.9", payload: new byte[1500])));
        f.Inside.ProcessFrame(Plain([.. Ipv4("10.244.1.5", "10.244.2.9"), 0xEE]));
        f.Inside.ProcessFrame(Plain(Ipv4("10.244.1.5", "10.244.2.9")[..19])); // shorter than a header

        Assert.Single(f.Udp.Sends);
        Assert.Equal(1, f.Drops[DropReason.TooBig]);
        Assert.Equal(2, f.Drops[DropReason.Malformed]);
    }

    [Theory]
    [InlineData(2, 0)]
    [InlineData(1432 * 44, 0)]
    [InlineData(1432 * 44 + 1, 0)]
    [InlineData(40000, 3)]
    [InlineData(3333, 0)]
    public void A_gro_batch_of_one_flow_is_written_as_one_gso_packet_that_splits_back_byte_for_byte(int payloadLength, int tcpOptionWords)
    {
        var f = new OffloadFixture();
        var mss = OffloadFixture.Mtu - 40 - 4 * tcpOptionWords;
        var super = Segment("10.244.2.9", "10.244.1.5", Payload(payloadLength, 7), flags: Ack | Psh, tcpOptionWords: tcpOptionWords, pseudoOnly: true);
        var segments = OffloadFixture.Split(SuperPacket(super, mss));
        var (batch, segmentSize) = OffloadFixture.Batch(segments);

        f.Outside.Process(batch, segmentSize, OffloadFixture.PeerSource);

        var written = Assert.Single(f.Tun.Written);
        var vnet = VirtioNetHeader.Read(written);
        if (segments.Count == 1)
        {
            Assert.Equal(VirtioNetHeader.None, vnet);
            Assert.Equal(segments[0], written.AsSpan(VirtioNetHeader.Size).ToArray());
        }
        else
        {
            Assert.Equal(VirtioNetHeader.FlagNeedsCsum, vnet.Flags);
            Assert.Equal(VirtioNetHeader.GsoTcpV4, vnet.GsoType);
            Assert.Equal(mss, vnet.GsoSize);
            Assert.Equal(40 + 4 * tcpOptionWords, vnet.HeaderLength);
            Assert.Equal(20, vnet.CsumStart);
            Assert.Equal(16, vnet.CsumOffset);
            var packet = written.AsSpan(VirtioNetHeader.Size).ToArray();
            Assert.True(Rfc1071.Verifies(packet.AsSpan(0, 20)));
            Assert.Equal(packet.Length, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2)));
            Assert.Equal(PseudoHeader(packet, packet.Length - 20), BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(36)));
            Assert.Equal(Ack | Psh, packet[33]);
            var again = OffloadFixture.Split(written);
            Assert.Equal(segments.Count, again.Count);
            for (var i = 0; i < segments.Count; i++)
                Assert.Equal(segments[i], again[i]);
        }
        Assert.Equal(segments.Count, f.PeerCounters.RxPackets);
        Assert.Equal(segments.Sum(s => s.Length), f.PeerCounters.RxBytes);
        var counters = f.Outside.Counters;
        Assert.Equal((1L, (long)segments.Count), (counters.GroBatches, counters.DatagramsReceived));
        Assert.Equal(segments.Count == 1 ? (0L, 1L) : (1L, 0L), (counters.CoalescedWrites, counters.SingleWrites));
        Assert.Equal(0, f.Drops.Total);
    }

    [Fact]
    public void A_flow_cut_into_two_batches_of_one_receive_call_is_written_as_one_gso_packet()
    {
        var f = new OffloadFixture();
        var mss = OffloadFixture.Mtu - 40;
        var super = Segment("10.244.2.9", "10.244.1.5", Payload(44 * mss - 100, 3), flags: Ack | Psh, pseudoOnly: true);
        var segments = OffloadFixture.Split(SuperPacket(super, mss));
        var first = OffloadFixture.Batch(segments.Take(30).ToList());
        var second = OffloadFixture.Batch(segments.Skip(30).ToList());

        f.Outside.Process([(first.Batch, first.SegmentSize, OffloadFixture.PeerSource), (second.Batch, second.SegmentSize, OffloadFixture.PeerSource)]);

        var written = Assert.Single(f.Tun.Written);
        Assert.Equal(VirtioNetHeader.GsoTcpV4, VirtioNetHeader.Read(written).GsoType);
        Assert.Equal(segments, OffloadFixture.Split(written));
        Assert.Equal((2L, 44L, 1L), (f.Outside.Counters.GroBatches, f.Outside.Counters.DatagramsReceived, f.Outside.Counters.CoalescedWrites));
    }

    [Fact]
    public void A_run_across_batches_stops_before_the_largest_ipv4_packet()
    {
        var f = new OffloadFixture();
        var mss = OffloadFixture.Mtu - 40;
        // Three batches of 40 full segments of one flow: a run of 64 segments would be 90 KiB.
        var perBatch = Enumerable.Range(0, 3).Select(k => OffloadFixture.Split(SuperPacket(
            Segment("10.244.2.9", "10.244.1.5", Payload(40 * mss, 5 + k), seq: (uint)(1000 + k * 40 * mss), pseudoOnly: true), mss))).ToList();
        var segments = perBatch.SelectMany(b => b).ToList();
        var batches = perBatch.Select(OffloadFixture.Batch).Select(b => (b.Batch, b.SegmentSize, OffloadFixture.PeerSource)).ToList();

        f.Outside.Process(batches);

        Assert.All(f.Tun.Written, w => Assert.True(w.Length - VirtioNetHeader.Size <= 65535, $"a TUN write of {w.Length} bytes"));
        // Each batch here was split from its own super-packet, so IP identifications restart per batch;
        // a merged packet numbers its segments on from the first (as the kernel's GRO may): compare
        // everything but the identification and the header checksum.
        static byte[] ButIpId(byte[] packet) => [.. packet.AsSpan(0, 4), 0, 0, .. packet.AsSpan(6, 4), 0, 0, .. packet.AsSpan(12)];
        Assert.Equal(segments.Select(ButIpId), f.Tun.Written.SelectMany(w => OffloadFixture.Split(w)).Select(ButIpId));
        Assert.True(f.Tun.Written.Count < 5, $"{f.Tun.Written.Count} writes for 120 segments");
    }

    [Fact]
    public void Rejected_datagrams_never_reach_the_tun_and_split_the_run()
    {
        var f = new OffloadFixture();
        var segments = OffloadFixture.Split(SuperPacket(Segment("10.244.2.9", "10.244.1.5", Payload(1432 * 6), pseudoOnly: true), 1432));
        var bad = (byte[])segments[2].Clone();
        bad[8] ^= 1; // header checksum now wrong
        segments[2] = bad;
        var (batch, size) = OffloadFixture.Batch(segments);

        f.Outside.Process(batch, size, OffloadFixture.PeerSource);
        f.Outside.Process(batch, size, Spoofer);

        Assert.Equal(2, f.Drops[DropReason.Malformed]);      // the bad header fails before the source check
        Assert.Equal(5, f.Drops[DropReason.SpoofedSource]);
        Assert.Equal(2, f.Tun.Written.Count); // segments 0-1 and 3-5, each one GSO write
        Assert.DoesNotContain(f.Tun.Written, w => w.AsSpan().IndexOf(bad.AsSpan(0, 20)) >= 0);
        Assert.Equal(5, f.PeerCounters.RxPackets);
    }

    [Fact]
    public void Psh_non_tcp_bad_tcp_checksums_and_other_flows_are_not_merged()
    {
        var f = new OffloadFixture();
        var a = OffloadFixture.Split(SuperPacket(Segment("10.244.2.9", "10.244.1.5", Payload(1432 * 4), flags: Ack | Psh, pseudoOnly: true), 1432));
        // a[3] has PSH: a[0..3] merge, then an equal-size segment of another flow (other port), one with a bad TCP checksum, and UDP.
        var other = OffloadFixture.Split(SuperPacket(Segment("10.244.2.9", "10.244.1.5", Payload(1432 * 2), pseudoOnly: true, window: 9), 1432));
        var badTcp = (byte[])other[1].Clone();
        badTcp[^1] ^= 0xFF;
        var udp = Ipv4("10.244.2.9", "10.244.1.5", ProtoUdp, payload: Payload(1472 - 20));
        var (batch, size) = OffloadFixture.Batch([.. a, other[0], badTcp, udp]);

        f.Outside.Process(batch, size, OffloadFixture.PeerSource);

        Assert.Equal(4, f.Tun.Written.Count);
        Assert.Equal(VirtioNetHeader.GsoTcpV4, VirtioNetHeader.Read(f.Tun.Written[0]).GsoType);
        Assert.Equal(4, OffloadFixture.Split(f.Tun.Written[0]).Count);
        Assert.Equal([other[0], badTcp, udp], f.Tun.Written.Skip(1).Select(w => w.AsSpan(VirtioNetHeader.Size).ToArray()).ToArray());
        Assert.All(f.Tun.Written.Skip(1), w => Assert.Equal(VirtioNetHeader.None, VirtioNetHeader.Read(w)));
    }

    [Fact]
    public void A_refused_tun_write_counts_every_segment_of_the_run()
    {
        var f = new OffloadFixture();
        f.Tun.Reject = true;
        var segments = OffloadFixture.Split(SuperPacket(Segment("10.244.2.9", "10.244.1.5", Payload(1432 * 5), pseudoOnly: true), 1432));
        var (batch, size) = OffloadFixture.Batch(segments);
        f.Outside.Process(batch, size, OffloadFixture.PeerSource);
        Assert.Equal(5, f.Drops[DropReason.TunWriteError]);
        Assert.Equal(0, f.PeerCounters.RxPackets);
    }

    [Fact]
    public void When_the_kernel_refuses_the_first_gso_write_every_later_packet_is_written_singly()
    {
        var f = new OffloadFixture();
        f.Tun.RejectGso = true;
        string? notice = null;
        f.Tun.Writer.CoalescingDisabled += reason => notice = reason;
        var segments = OffloadFixture.Split(SuperPacket(Segment("10.244.2.9", "10.244.1.5", Payload(1432 * 5), pseudoOnly: true), 1432));
        var (batch, size) = OffloadFixture.Batch(segments);

        f.Outside.Process(batch, size, OffloadFixture.PeerSource);
        f.Outside.Process(batch, size, OffloadFixture.PeerSource);

        Assert.False(f.Tun.Writer.Coalescing);
        Assert.Contains("GSO_TCPV4", notice);
        Assert.Equal(5, f.Drops[DropReason.TunWriteError]); // the refused run
        Assert.Equal(segments, f.Tun.Written.Select(w => w.AsSpan(VirtioNetHeader.Size).ToArray()).ToArray());
        Assert.Equal(5, f.PeerCounters.RxPackets);
    }

    [Fact]
    public void Split_then_coalesce_then_split_is_the_identity_for_any_sizes_and_options()
    {
        Gen.Select(Gen.Int[1, 65495 - 80], Gen.Int[0, 10], Gen.Int[0, 10], Gen.Int[500, 1472], Gen.UInt)
            .Sample((payload, ipWords, tcpWords, mtu, seq) =>
            {
                var header = 40 + 4 * (ipWords + tcpWords);
                var mss = mtu - header;
                if (mss < 48 || header + payload > 65535)
                    return;
                var super = Segment("10.244.2.9", "10.244.1.5", Payload(payload, (int)seq), seq: seq, flags: Ack | Psh,
                    ipOptionWords: ipWords, tcpOptionWords: tcpWords, pseudoOnly: true);
                var segments = OffloadFixture.Split(SuperPacket(super, mss), mtu);
                var f = new OffloadFixture();
                // A GRO batch holds at most 64 KiB: feed the segments in batches as the kernel would.
                var written = new List<byte[]>();
                foreach (var chunk in Chunks(segments))
                {
                    var (batch, size) = OffloadFixture.Batch(chunk);
                    f.Outside.Process(batch, size, OffloadFixture.PeerSource);
                }
                var again = f.Tun.Written.SelectMany(w => OffloadFixture.Split(w, mtu)).ToList();
                Assert.Equal(segments.Count, again.Count);
                for (var i = 0; i < segments.Count; i++)
                    Assert.Equal(segments[i], again[i]);
                Assert.Equal(0, f.Drops.Total);
            }, iter: 200);
    }

    private static IEnumerable<List<byte[]>> Chunks(List<byte[]> segments)
    {
        var chunk = new List<byte[]>();
        var bytes = 0;
        foreach (var s in segments)
        {
            if (chunk.Count == 64 || bytes + s.Length > 65507)
            {
                yield return chunk;
                chunk = [];
                bytes = 0;
            }
            chunk.Add(s);
            bytes += s.Length;
        }
        if (chunk.Count > 0)
            yield return chunk;
    }

    [Fact]
    public void Offload_pumps_allocate_nothing_per_packet()
    {
        var f = new OffloadFixture();
        f.Tun.Record = false;
        f.Udp.Record = false;
        var frame = SuperPacket(Segment("10.244.1.5", "10.244.2.9", Payload(60000), pseudoOnly: true), 1432);
        var segments = OffloadFixture.Split(SuperPacket(Segment("10.244.2.9", "10.244.1.5", Payload(1432 * 40), pseudoOnly: true), 1432));
        var (batch, size) = OffloadFixture.Batch(segments);
        var unroutable = SuperPacket(Segment("10.244.1.5", "10.244.9.9", Payload(3000), pseudoOnly: true), 1432);

        void Run(int n)
        {
            for (var i = 0; i < n; i++)
            {
                f.Inside.ProcessFrame(frame);
                f.Inside.ProcessFrame(unroutable);
                f.Outside.Process(batch, size, OffloadFixture.PeerSource);
                f.Outside.Process(batch, size, Spoofer);
            }
        }

        var (allocated, iterations, detail) = AllocationProbe.Measure(Run, warmup: 200, perWindow: 5_000);
        Assert.True(allocated == 0, $"the pumps with offloads allocated per packet: {detail}");
        Assert.Equal(iterations * 42, f.PeerCounters.TxPackets);
        Assert.Equal(iterations * 40, f.PeerCounters.RxPackets);
    }
}
