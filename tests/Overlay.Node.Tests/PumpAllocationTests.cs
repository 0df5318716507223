using System.Net;
using Overlay.Actors.Node;
using Overlay.Node.Dataplane;
using Overlay.Node.Tun;
using Overlay.Node.Udp;
using static Overlay.Node.Tests.Packets;
using static Overlay.Node.Tests.TestNetwork;

namespace Overlay.Node.Tests;

/// <summary>The packet path allocates nothing per packet (the fakes do, so these use counting stubs).</summary>
public class PumpAllocationTests
{
    private const int Packets = 100_000;

    private sealed class CountingTun : ITunDevice
    {
        public long Writes;
        public string Name => "stub0";
        public int Mtu => 1472;
        public int Read(Span<byte> buffer, out VirtioNetHeader offload) { offload = default; return 0; }
        public bool Write(ReadOnlySpan<byte> packet) { Writes++; return true; }
        public void Dispose() { }
    }

    private sealed class CountingUdp : IUdpTransport
    {
        public long Sends;
        public IPEndPoint LocalEndPoint { get; } = E("192.0.2.1");
        public bool SegmentationEnabled => false;
        public event Action<string>? SegmentationDisabled { add { } remove { } }
        public int SendSegments(ReadOnlySpan<IoVector> parts, int partsPerDatagram, int segmentSize, int count, SocketAddress destination)
        {
            Sends += count;
            return count;
        }
        public bool GroEnabled => false;
        public bool EnableGro() => false;
        public int ReceiveBatches(Span<byte> buffer, int slotSize, Span<ReceivedBatch> batches) => 0;
        public void Dispose() { }
    }

    [Fact]
    public void Forwarding_drops_and_icmp_replies_allocate_nothing()
    {
        var tun = new CountingTun();
        var udp = new CountingUdp();
        var drops = new DropCounters();
        var table = new ForwardingTableRef(ForwardingTable.Empty(Config()).With(S("10.244.2.0/24"), E("192.0.2.2"), new PeerCounters()));
        var inside = new InsidePump(tun, udp, table, drops, A("10.244.1.0"));
        var outside = new OutsidePump(udp, tun, table, drops, S("10.244.1.0/24"), sourceCheck: true);
        var toPeer = Ipv4("10.244.1.5", "10.244.2.9", ProtoTcp, payload: new byte[1400]);
        var unroutable = Ipv4("10.244.1.5", "10.244.9.9", ProtoTcp);
        var fromPeer = Ipv4("10.244.2.9", "10.244.1.5", ProtoTcp, payload: new byte[1400]);
        var spoofed = new UdpSource(A("198.51.100.66"), 8285);
        var peer = new UdpSource(A("192.0.2.2"), 8285);

        void Run(int count)
        {
            for (var i = 0; i < count; i++)
            {
                inside.Process(toPeer);
                inside.Process(unroutable);
                outside.Process(fromPeer, peer);
                outside.Process(fromPeer, spoofed);
            }
        }

        // Warm up first: tiered JIT and static initialisers allocate once.
        var (allocated, iterations, detail) = AllocationProbe.Measure(Run, warmup: 1_000, perWindow: Packets);
        Assert.True(allocated == 0, $"the pumps allocated per packet: {detail}");
        Assert.Equal(iterations, udp.Sends);
        Assert.Equal(2 * iterations, tun.Writes); // ICMP replies + received packets
        Assert.Equal(2 * iterations, drops.Total);
    }
}
