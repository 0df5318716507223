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
/// behaviour). After each blocking read the pump drains, without waiting, what the TUN already holds
/// (<see cref="ITunDevice.TryRead"/>, up to <see cref="DataplaneConstants.InsideBatchPackets"/> ordinary
/// packets): a run of ordinary packets of one size to one peer (a pod's UDP stream) leaves in one
/// UDP_SEGMENT send, and the run is sent as soon as the TUN is empty, another peer or size comes, or a
/// super-packet must go first, so packet order is kept and nothing waits for more traffic. Every drop is
/// counted in <see cref="DropCounters"/> by reason, every send in the peer's counters. Ownership and
/// threading: <see cref="Run"/> runs on one dedicated thread and owns every buffer; it allocates nothing
/// per packet. The table is re-read per read, so route changes apply to the next packet.
/// </summary>
public sealed unsafe class InsidePump
{
    private readonly ITunDevice _tun;
    private readonly IUdpTransport _udp;
    private readonly ForwardingTableRef _table;
    private readonly DropCounters _drops;
    private readonly uint _tunAddress;
    // InsideBatchPackets slots of one MTU for a run of ordinary packets, then room for one more read of
    // a whole super-packet: every read lands at the next free slot with at least PacketBufferSize behind it.
    private readonly PinnedBuffer _packet;
    private readonly int _slotSize;
    private int _nextSlot;
    // The pending run: _runCount ordinary packets of _runSize bytes (the last may be shorter, which
    // closes the run) to _runPeer; their slices are _iov[0.._runCount).
    private ForwardingEntry? _runPeer;
    private int _runSize;
    private int _runCount;
    private long _runBytes;
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
        _slotSize = tun.Mtu;
        _packet = new PinnedBuffer(InsideBatchPackets * _slotSize + PacketBufferSize);
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
            var length = _tun.Read(SlotSpan(0), out var offload);
            if (length <= 0)
                return;
            _nextSlot = 0;
            ProcessRead(0, length, offload);
            // Drain what is already queued; never wait for more (latency stays one read's).
            while (_nextSlot < InsideBatchPackets)
            {
                var offset = _nextSlot * _slotSize;
                length = _tun.TryRead(SlotSpan(offset), out offload);
                if (length <= 0)
                    break;
                ProcessRead(offset, length, offload);
            }
            SendRun();
        }
    }

    /// <summary>Handles one ordinary packet read from the TUN (copied into the pump's buffer first). For
    /// tests; never throws for any input; may throw only when the TUN itself fails while the ICMP reply
    /// is written.</summary>
    public void Process(ReadOnlySpan<byte> packet) => Process(packet, VirtioNetHeader.None);

    /// <summary>Handles one TUN read, <paramref name="packet"/> with its <paramref name="offload"/>
    /// information (copied into the pump's buffer first), and sends at once. For tests; as
    /// <see cref="Process(ReadOnlySpan{byte})"/>.</summary>
    public void Process(ReadOnlySpan<byte> packet, in VirtioNetHeader offload)
    {
        var length = Math.Min(packet.Length, PacketBufferSize);
        packet[..length].CopyTo(SlotSpan(0));
        _nextSlot = 0;
        ProcessRead(0, length, offload);
        SendRun();
    }

    /// <summary>Handles several TUN reads as one wake of <see cref="Run"/> would (each copied into the
    /// next free slot first, as the drain reads them), then sends. For tests.</summary>
    public void ProcessDrained(IReadOnlyList<byte[]> packets)
    {
        _nextSlot = 0;
        foreach (var packet in packets)
        {
            if (_nextSlot >= InsideBatchPackets)
                break;
            var offset = _nextSlot * _slotSize;
            var length = Math.Min(packet.Length, PacketBufferSize);
            packet.AsSpan(0, length).CopyTo(SlotSpan(offset));
            ProcessRead(offset, length, VirtioNetHeader.None);
        }
        SendRun();
    }

    private Span<byte> SlotSpan(int offset) => _packet.Span.Slice(offset, PacketBufferSize);

    // One read of length bytes at offset in _packet. An ordinary packet joins the pending run (its slot
    // stays taken until the run is sent); a super-packet sends the run first, then goes out itself.
    private void ProcessRead(int offset, int length, in VirtioNetHeader offload)
    {
        var packet = _packet.Span.Slice(offset, length);
        switch (_splitter.Split(packet, offload, _tun.Mtu))
        {
            case GsoSplitResult.Single:
                ProcessSingle(offset, packet);
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
        SendRun();

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
        var payloadBase = _packet.Pointer + offset;
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

    private void ProcessSingle(int offset, Span<byte> packet)
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
        // UDP_SEGMENT cuts every segmentSize bytes: a run is one peer and one size, and a shorter packet
        // may only end it.
        if (_runCount > 0 && (!ReferenceEquals(peer, _runPeer) || packet.Length > _runSize
                              || _runCount == SegmentsPerSend(_runSize)))
            SendRun();
        if (_runCount == 0)
        {
            _runPeer = peer;
            _runSize = packet.Length;
        }
        _iov[_runCount++] = new IoVector(_packet.Pointer + offset, packet.Length);
        _runBytes += packet.Length;
        _nextSlot++;
        if (packet.Length < _runSize)
            SendRun();
    }

    // Sends the pending run in one send (segmented when it holds several packets and the transport can).
    private void SendRun()
    {
        var n = _runCount;
        if (n == 0)
            return;
        var peer = _runPeer!;
        var sent = _udp.SendSegments(_iov.AsSpan(0, n), 1, _runSize, n, peer.SocketAddress);
        if (n > 1)
            Counters.UdpSent(sent);
        if (sent > 0)
            peer.Counters.AddTx(sent, sent == n ? _runBytes : (long)sent * _runSize);
        for (var k = sent; k < n; k++)
            _drops.Add(DropReason.SendError);
        _runCount = 0;
        _runBytes = 0;
        _runPeer = null;
    }

    private void ReplyUnreachable(in Ipv4Packet offender)
    {
        if (!IcmpUnreachable.ShouldReply(offender))
            return;
        var length = IcmpUnreachable.Write(offender, _tunAddress, _reply);
        _tun.Write(_reply.AsSpan(0, length));
    }
}
