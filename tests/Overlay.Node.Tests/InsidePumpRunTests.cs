using Overlay.Actors.Node;
using Overlay.Node.Dataplane;
using Overlay.Node.Tun;
using Overlay.Testing;
using static Overlay.Node.Tests.Packets;
using static Overlay.Node.Tests.TestNetwork;

namespace Overlay.Node.Tests;

/// <summary>
/// What the TUN-to-UDP pump does with the ordinary packets one wake drains from the TUN: a run of one
/// size to one peer leaves in one UDP_SEGMENT send, and every rule that keeps the wire and the order
/// as they were holds (one inner packet per datagram, peers and sizes never mixed in one send, a
/// shorter packet only at the end, a super-packet never overtaken).
/// </summary>
public sealed class InsidePumpRunTests
{
    private readonly RecordingOffloadUdp _udp = new();
    private readonly RecordingOffloadTun _tun = new(OffloadFixture.Mtu);
    private readonly PeerCounters _peer2 = new();
    private readonly PeerCounters _peer3 = new();
    private readonly DropCounters _drops = new();
    private readonly InsidePump _pump;

    public InsidePumpRunTests()
    {
        var table = ForwardingTable.Empty(Config())
            .With(S("10.244.2.0/24"), E("192.0.2.2"), _peer2)
            .With(S("10.244.3.0/24"), E("192.0.2.3"), _peer3);
        _pump = new InsidePump(_tun, _udp, new ForwardingTableRef(table), _drops, A("10.244.1.0"));
    }

    private static byte[] Udp(string destination, int payload, byte tag = 0) =>
        Ipv4("10.244.1.5", destination, payload: Enumerable.Repeat(tag, payload).ToArray());

    [Fact]
    public void A_drained_run_of_one_size_to_one_peer_leaves_in_one_segmented_send_byte_for_byte()
    {
        var packets = Enumerable.Range(0, 40).Select(i => Udp("10.244.2.7", 1380, (byte)i)).ToList();

        _pump.ProcessDrained(packets);

        var send = Assert.Single(_udp.Sends);
        Assert.Equal(1400, send.SegmentSize);
        Assert.Equal(A("192.0.2.2"), send.To.Address);
        Assert.Equal(packets, send.Datagrams);
        Assert.Equal(40, _peer2.TxPackets);
        Assert.Equal(40 * 1400, _peer2.TxBytes);
        Assert.Equal(1, _pump.Counters.UdpSends);
        Assert.Equal(40, _pump.Counters.SegmentsSent);
    }

    [Fact]
    public void A_shorter_packet_ends_the_run_and_a_longer_one_starts_a_new_send()
    {
        List<byte[]> packets = [Udp("10.244.2.7", 1000), Udp("10.244.2.7", 1000), Udp("10.244.2.7", 333),
            Udp("10.244.2.7", 1000), Udp("10.244.2.7", 1200), Udp("10.244.2.7", 1200)];

        _pump.ProcessDrained(packets);

        Assert.Equal([[1020, 1020, 353], [1020], [1220, 1220]],
            _udp.Sends.Select(s => s.Datagrams.Select(d => d.Length).ToArray()).ToArray());
        Assert.Equal(packets, _udp.Sends.SelectMany(s => s.Datagrams));
    }

    [Fact]
    public void Peers_are_never_mixed_in_one_send_and_the_order_is_kept()
    {
        List<byte[]> packets = [Udp("10.244.2.7", 100, 1), Udp("10.244.2.7", 100, 2), Udp("10.244.3.7", 100, 3),
            Udp("10.244.2.7", 100, 4)];

        _pump.ProcessDrained(packets);

        Assert.Equal([A("192.0.2.2"), A("192.0.2.3"), A("192.0.2.2")], _udp.Sends.Select(s => s.To.Address));
        Assert.Equal(packets, _udp.Sends.SelectMany(s => s.Datagrams));
        Assert.Equal(3, _peer2.TxPackets);
        Assert.Equal(1, _peer3.TxPackets);
    }

    [Theory]
    [InlineData(1400, 64, new[] { 46, 18 })] // 65507 / 1420 bytes: 46 per send
    [InlineData(40, 64, new[] { 64 })] // the kernel's 64-datagram limit
    public void A_run_longer_than_one_send_carries_goes_out_in_several_within_the_limits(int payload, int count, int[] sends)
    {
        var packets = Enumerable.Range(0, count).Select(i => Udp("10.244.2.7", payload, (byte)i)).ToList();

        _pump.ProcessDrained(packets);

        Assert.Equal(sends, _udp.Sends.Select(s => s.Datagrams.Length));
        Assert.Equal(packets, _udp.Sends.SelectMany(s => s.Datagrams));
    }

    [Fact]
    public void Dropped_packets_between_them_do_not_split_or_reorder_the_run()
    {
        List<byte[]> packets = [Udp("10.244.2.7", 500, 1), Udp("10.244.9.7", 500, 2), [0x60, 0, 0, 0],
            Udp("10.244.2.7", 500, 3)];

        _pump.ProcessDrained(packets);

        var send = Assert.Single(_udp.Sends);
        Assert.Equal([packets[0], packets[3]], send.Datagrams);
        Assert.Equal(1, _drops[DropReason.NoRoute]);
        Assert.Equal(1, _drops[DropReason.NotIpv4]);
    }

    [Fact]
    public void The_pump_drains_what_the_device_holds_after_one_blocking_read_and_sends_it_as_one_run()
    {
        using var tun = new ChannelTunDevice(mtu: OffloadFixture.Mtu);
        var udp = new RecordingOffloadUdp();
        var counters = new PeerCounters();
        var table = new ForwardingTableRef(ForwardingTable.Empty(Config()).With(S("10.244.2.0/24"), E("192.0.2.2"), counters));
        var pump = new InsidePump(tun, udp, table, new DropCounters(), A("10.244.1.0"));
        var packets = Enumerable.Range(0, 10).Select(i => Udp("10.244.2.7", 1200, (byte)i)).ToList();
        foreach (var packet in packets)
            tun.InjectFromKernel(packet);

        var thread = new Thread(pump.Run) { IsBackground = true };
        thread.Start();
        Poll.Until(() => counters.TxPackets == 10, TimeSpan.FromSeconds(10), "the pump sent the 10 queued packets");
        tun.Dispose();
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)), "the pump ended when the device closed");

        Assert.Equal(packets, udp.Sends.SelectMany(s => s.Datagrams));
        Assert.Single(udp.Sends);
    }
}
