using System.Buffers.Binary;
using Overlay.Node.Tun;
using Overlay.Node.Udp;
using static Overlay.Node.Dataplane.DataplaneConstants;

namespace Overlay.Node.Dataplane;

/// <summary>
/// TUN to UDP, for a device with or without offloads: each read hands over one packet and its offload
/// information (<see cref="ITunDevice.Read"/>). An ordinary packet (its pending checksum completed, if
/// the device left one) is validated (<see cref="OutboundFilter"/>), its destination looked up in the
/// current forwarding table, and sent unchanged as one datagram to the owning peer. A TCP or UDP
/// super-packet (only a device with offloads reads those) is a batch: it is split into MTU-sized IPv4
/// packets (<see cref="GsoSplitter"/>), its route looked up once, and all of them sent to the peer in as
/// few <see cref="IUdpTransport.SendSegments"/> calls as UDP_SEGMENT allows (&lt;= 64 datagrams,
/// &lt;= 65507 bytes each), gathering header and payload slices without copying payloads. On the wire
/// each datagram is one inner packet of at most the TUN MTU either way (flannel's format). A
/// destination no peer owns gets an ICMP net unreachable written back into the TUN (flannel's
/// behaviour). Every drop is counted in <see cref="DropCounters"/> by reason, every send in the peer's
/// counters. Ownership and threading: <see cref="Run"/> runs on one dedicated thread and owns every
/// buffer; it allocates nothing per packet. The table is re-read per read, so route changes apply to
/// the next packet.
/// </summary>
public sealed unsafe class InsidePump
{
    private readonly ITunDevice _tun;
    private readonly IUdpTransport _udp;
    private readonly ForwardingTableRef _table;
    private readonly DropCounters _drops;
    private readonly uint _tunAddress;
    private readonly PinnedBuffer _packet = new(PacketBufferSize);
    private readonly byte[] _reply = new byte[MaxIcmpReplyLength];
    private readonly IoVector[] _iov = GC.AllocateArray<IoVector>(2 * UdpSegmentMaxDatagrams, pinned: true);
    private readonly GsoSplitter _splitter = new();

    /// <summary>Creates the pump; <paramref name="tunAddress"/> (host order, the node's &lt;subnet&gt;.0)
    /// is the source of the ICMP replies.</summary>
    public InsidePump(ITunDevice tun, IUdpTransport udp, ForwardingTableRef table, DropCounters drops, uint tunAddress,
        OffloadCounters? counters = null)
    {
        Counters = counters ?? new OffloadCounters();
        _tun = tun;
        _udp = udp;
        _table = table;
        _drops = drops;
        _tunAddress = tunAddress;
    }

    /// <summary>Datagrams of <paramref name="segmentSize"/> bytes that one UDP_SEGMENT send may carry (the
    /// kernel's 64-datagram limit and the 65507-byte UDP payload limit). A super-packet of more segments
    /// goes out in several sends of this many (the last one shorter): the TUN's gso_max_segs is left at the
    /// kernel's default, because forwarded super-packets (a pod's TCP sizes them for its veth) over a cap
    /// would be segmented in software in front of the TUN.</summary>
    public static int SegmentsPerSend(int segmentSize) => Math.Min(UdpSegmentMaxDatagrams, MaxUdpPayload / segmentSize);

    /// <summary>What this pump did with super-packets (split, segments, sends); all zero on a device
    /// without offloads. Written only by the pump thread.</summary>
    public OffloadCounters Counters { get; }

    /// <summary>Pumps until the TUN is closed (returns normally); device failures propagate.</summary>
    public void Run()
    {
        while (true)
        {
            var length = _tun.Read(_packet.Span, out var offload);
            if (length <= 0)
                return;
            ProcessRead(length, offload);
        }
    }

    /// <summary>Handles one ordinary packet read from the TUN (copied into the pump's buffer first). For
    /// tests; never throws for any input; may throw only when the TUN itself fails while the ICMP reply
    /// is written.</summary>
    public void Process(ReadOnlySpan<byte> packet) => Process(packet, VirtioNetHeader.None);

    /// <summary>Handles one TUN read, <paramref name="packet"/> with its <paramref name="offload"/>
    /// information (copied into the pump's buffer first). For tests; as <see cref="Process(ReadOnlySpan{byte})"/>.</summary>
    public void Process(ReadOnlySpan<byte> packet, in VirtioNetHeader offload)
    {
        var length = Math.Min(packet.Length, _packet.Array.Length);
        packet[..length].CopyTo(_packet.Span);
        ProcessRead(length, offload);
    }

    private void ProcessRead(int length, in VirtioNetHeader offload)
    {
        var packet = _packet.Span[..length];
        switch (_splitter.Split(packet, offload, _tun.Mtu))
        {
            case GsoSplitResult.Single:
                ProcessSingle(packet);
                return;
            case GsoSplitResult.NotIpv4:
                _drops.Add(DropReason.NotIpv4);
                return;
            case GsoSplitResult.Malformed:
                _drops.Add(DropReason.Malformed);
                return;
            case GsoSplitResult.TooBig:
                _drops.Add(DropReason.TooBig);
                return;
        }
        Counters.SuperPacketRead();

        var count = _splitter.Count;
        var peer = _table.Current.Lookup(BinaryPrimitives.ReadUInt32BigEndian(packet[16..]));
        if (peer is null)
        {
            for (var i = 0; i < count; i++)
                _drops.Add(DropReason.NoRoute);
            Ipv4Packet.TryParse(packet, out var ip);
            ReplyUnreachable(ip);
            return;
        }

        var headerLength = _splitter.HeaderLength;
        var segmentSize = headerLength + _splitter.SegmentPayload;
        var perSend = SegmentsPerSend(segmentSize);
        var payloadBase = _packet.Pointer;
        for (var first = 0; first < count; first += perSend)
        {
            var n = Math.Min(perSend, count - first);
            var bytes = 0;
            for (var k = 0; k < n; k++)
            {
                var segment = first + k;
                var payloadLength = _splitter.PayloadLength(segment);
                _iov[2 * k] = new IoVector(_splitter.HeaderPointer(segment), headerLength);
                _iov[2 * k + 1] = new IoVector(payloadBase + _splitter.PayloadOffset(segment), payloadLength);
                bytes += headerLength + payloadLength;
            }
            var sent = _udp.SendSegments(_iov.AsSpan(0, 2 * n), 2, segmentSize, n, peer.SocketAddress);
            Counters.UdpSent(sent);
            if (sent > 0)
                peer.Counters.AddTx(sent, sent == n ? bytes : (long)sent * segmentSize);
            for (var k = sent; k < n; k++)
                _drops.Add(DropReason.SendError);
        }
    }

    private void ProcessSingle(Span<byte> packet)
    {
        if (!OutboundFilter.Accept(packet, _tun.Mtu, out var ip, out var reason))
        {
            _drops.Add(reason);
            return;
        }
        var peer = _table.Current.Lookup(ip.Destination);
        if (peer is null)
        {
            _drops.Add(DropReason.NoRoute);
            ReplyUnreachable(ip);
            return;
        }
        _iov[0] = new IoVector(_packet.Pointer, packet.Length);
        if (_udp.SendSegments(_iov.AsSpan(0, 1), 1, packet.Length, 1, peer.SocketAddress) == 1)
            peer.Counters.AddTx(1, packet.Length);
        else
            _drops.Add(DropReason.SendError);
    }

    private void ReplyUnreachable(in Ipv4Packet offender)
    {
        if (!IcmpUnreachable.ShouldReply(offender))
            return;
        var length = IcmpUnreachable.Write(offender, _tunAddress, _reply);
        _tun.Write(_reply.AsSpan(0, length));
    }
}
