using Overlay.Actors.Node;
using Overlay.Node.Dataplane;
using Overlay.Node.Tun;
using Overlay.Node.Udp;
using static Overlay.Node.Tests.Packets;
using static Overlay.Node.Tests.TestNetwork;

namespace Overlay.Node.Tests;

/// <summary>Node 10.244.1.0/24 at 192.0.2.1 with peer 10.244.2.0/24 at 192.0.2.2, the pumps over recording offload fakes.</summary>
internal sealed class OffloadFixture
{
    public const int Mtu = 1472;
    public readonly RecordingOffloadTun Tun;
    public readonly RecordingOffloadUdp Udp = new();
    public readonly PeerCounters PeerCounters = new();
    public readonly DropCounters Drops = new();
    public readonly ForwardingTableRef Table;
    public readonly InsidePump Inside;
    public readonly OutsidePump Outside;
    public static readonly UdpSource PeerSource = new(A("192.0.2.2"), 8285);

    /// <summary><paramref name="udpOffloads"/>: the TUN took TUN_F_USO4 (UDP runs are coalesced too).</summary>
    public OffloadFixture(bool udpOffloads = false)
    {
        Tun = new RecordingOffloadTun(Mtu) { UdpOffloads = udpOffloads };
        Table = new ForwardingTableRef(ForwardingTable.Empty(Config()).With(S("10.244.2.0/24"), E("192.0.2.2"), PeerCounters));
        Inside = new InsidePump(Tun, Udp, Table, Drops, A("10.244.1.0"));
        Outside = new OutsidePump(Udp, Tun, Table, Drops, S("10.244.1.0/24"), sourceCheck: true);
    }

    /// <summary>Splits <paramref name="frame"/> (virtio header + packet) with a fresh splitter and returns the
    /// segments as whole packets.</summary>
    public static List<byte[]> Split(byte[] frame, int mtu = Mtu)
    {
        var splitter = new GsoSplitter();
        var vnet = VirtioNetHeader.Read(frame);
        var packet = frame.AsSpan(VirtioNetHeader.Size).ToArray();
        var result = splitter.Split(packet, vnet, mtu);
        if (result == GsoSplitResult.Single)
            return [packet];
        Assert.Equal(GsoSplitResult.Segmented, result);
        var segments = new List<byte[]>();
        for (var i = 0; i < splitter.Count; i++)
            segments.Add([.. splitter.Header(i), .. packet.AsSpan(splitter.PayloadOffset(i), splitter.PayloadLength(i))]);
        return segments;
    }

    /// <summary>The concatenation of <paramref name="segments"/> (a UDP GRO batch) and its segment size.</summary>
    public static (byte[] Batch, int SegmentSize) Batch(IReadOnlyList<byte[]> segments) =>
        (segments.SelectMany(s => s).ToArray(), segments[0].Length);
}

/// <summary>Feeds the inside pump a TUN read as the offload device returns it from a frame (virtio_net_hdr + packet).</summary>
internal static class InsidePumpFrames
{
    /// <summary>Processes <paramref name="frame"/>: the packet after the header, with the header as its offload information.</summary>
    public static void ProcessFrame(this InsidePump pump, byte[] frame) =>
        pump.Process(frame.AsSpan(VirtioNetHeader.Size), VirtioNetHeader.Read(frame));
}
