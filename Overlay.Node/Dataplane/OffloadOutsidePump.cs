using Overlay.Actors.Addressing;
using Overlay.Node.Tun;
using Overlay.Node.Udp;
using static Overlay.Node.Dataplane.DataplaneConstants;

namespace Overlay.Node.Dataplane;

/// <summary>
/// UDP to TUN with offloads: one recvmsg returns a UDP GRO batch (datagrams of one source, all
/// segment-size long but the last); each datagram is checked with the same rules as
/// <see cref="OutsidePump"/> (<see cref="InboundFilter"/>), and consecutive segments of one TCP flow
/// (<see cref="TcpCoalescing"/>) are merged into one GSO_TCPV4 writev to the TUN behind a
/// virtio_net_hdr (NEEDS_CSUM, pseudo-header sum in the TCP field); on a TUN with UDP segmentation
/// offload, consecutive datagrams of one UDP flow (<see cref="UdpCoalescing"/>) likewise into one
/// GSO_UDP_L4 write; everything else is written singly behind a zero header. No packet is held across receive calls, so latency is unchanged.
/// Rejected datagrams never reach the TUN. Ownership and threading: <see cref="Run"/> runs on one
/// dedicated thread and owns every buffer; no allocation per packet.
/// </summary>
public sealed unsafe class OffloadOutsidePump
{
    private readonly IOffloadUdpTransport _udp;
    private readonly IOffloadTunDevice _tun;
    private readonly ForwardingTableRef _table;
    private readonly DropCounters _drops;
    private readonly Ipv4Subnet _localSubnet;
    private readonly bool _sourceCheck;
    private readonly PinnedBuffer _buffer = new(ReceiveBatchSlots * PacketBufferSize);
    private readonly PinnedBuffer _headers = new(2 * VirtioNetHeader.Size);
    private readonly IoVector[] _iov = GC.AllocateArray<IoVector>(MaxCoalescedSegments + 1, pinned: true);

    // The open run: offsets into _buffer of its first and last segment.
    private int _runCount;
    private int _runFirst;
    private int _runFirstLength;
    private int _runLast;
    private int _runLastLength;
    private int _runHeader;
    private int _runPayload;
    private bool _runUdp;
    private ForwardingEntry? _runPeer;

    // Coalescing stays on while the kernel takes GSO writes; if the very first one is refused, it
    // never will (an old or odd kernel), so runs are written segment by segment from then on.
    private bool _coalesce = true;
    private bool _gsoWriteSeen;
    // The same for UDP runs, on only where the TUN took TUN_F_USO4.
    private bool _coalesceUdp;
    private bool _udpGsoWriteSeen;

    /// <summary>Creates the pump for a node owning <paramref name="localSubnet"/> over an offload TUN.</summary>
    public OffloadOutsidePump(IOffloadUdpTransport udp, IOffloadTunDevice tun, ForwardingTableRef table, DropCounters drops,
        Ipv4Subnet localSubnet, bool sourceCheck, OffloadCounters? counters = null)
    {
        Counters = counters ?? new OffloadCounters();
        _udp = udp;
        _tun = tun;
        _table = table;
        _drops = drops;
        _localSubnet = localSubnet;
        _sourceCheck = sourceCheck;
        _coalesceUdp = tun.UdpOffloadsEnabled;
    }

    /// <summary>What this pump did (batches, datagrams, TUN writes); written only by the pump thread.</summary>
    public OffloadCounters Counters { get; }

    /// <summary>False once the kernel refused the first GSO write: every packet is then written singly.</summary>
    public bool Coalescing => _coalesce;

    /// <summary>True while UDP datagrams are merged into GSO_UDP_L4 writes: the TUN has UDP segmentation
    /// offload and the kernel did not refuse the first such write.</summary>
    public bool CoalescingUdp => _coalesce && _coalesceUdp;

    /// <summary>Raised once, on the pump thread, when coalescing is turned off; the argument says why (one log line).</summary>
    public event Action<string>? CoalescingDisabled;

    /// <summary>Pumps until the socket is closed (returns normally); socket and device failures propagate.</summary>
    public void Run()
    {
        Span<ReceivedBatch> batches = stackalloc ReceivedBatch[ReceiveBatchSlots];
        while (true)
        {
            var count = _udp.ReceiveBatches(_buffer.Span, PacketBufferSize, batches);
            if (count == 0)
                return;
            // A run may continue into the next batch of the same call (a flow's datagrams that GRO
            // cut into two batches): every slot stays valid until the whole call is processed.
            for (var i = 0; i < count; i++)
                ProcessBuffer(batches[i].Offset, batches[i].Length, batches[i].SegmentSize, batches[i].Source);
            Flush();
        }
    }

    /// <summary>Handles one received batch (copied into the pump's buffer first): datagrams of
    /// <paramref name="segmentSize"/> bytes, the last possibly shorter. For tests; never throws for any content.</summary>
    public void Process(ReadOnlySpan<byte> batch, int segmentSize, UdpSource source)
    {
        var length = Math.Min(batch.Length, PacketBufferSize);
        batch[..length].CopyTo(_buffer.Span);
        ProcessBuffer(0, length, segmentSize, source);
        Flush();
    }

    /// <summary>Handles several received batches as one receive call returns them (each copied into its
    /// own slot first), so a run may span them. For tests; never throws for any content.</summary>
    public void Process(IReadOnlyList<(byte[] Batch, int SegmentSize, UdpSource Source)> batches)
    {
        var count = Math.Min(batches.Count, ReceiveBatchSlots);
        for (var i = 0; i < count; i++)
        {
            var (batch, segmentSize, source) = batches[i];
            var length = Math.Min(batch.Length, PacketBufferSize);
            batch.AsSpan(0, length).CopyTo(_buffer.Span[(i * PacketBufferSize)..]);
            ProcessBuffer(i * PacketBufferSize, length, segmentSize, source);
        }
        Flush();
    }

    // One batch: length bytes at start of _buffer. The open run is left open for the next batch of
    // the same receive call; the caller flushes after the last.
    private void ProcessBuffer(int start, int length, int segmentSize, UdpSource source)
    {
        Counters.BatchReceived();
        if (segmentSize <= 0 || segmentSize > length)
            segmentSize = length;
        if (length == 0)
        {
            Counters.DatagramReceived();
            _drops.Add(DropReason.NotIpv4);
            return;
        }
        var table = _table.Current;
        var buffer = _buffer.Span;
        var end = start + length;
        for (var offset = start; offset < end; offset += segmentSize)
        {
            Counters.DatagramReceived();
            var size = Math.Min(segmentSize, end - offset);
            var datagram = buffer.Slice(offset, size);
            if (!InboundFilter.Accept(datagram, source, table, _localSubnet, _sourceCheck, out var reason, out var peer))
            {
                Flush();
                _drops.Add(reason);
                continue;
            }
            int headerLength = 0, payload = 0;
            var udp = false;
            if (!_coalesce || !(TcpCoalescing.IsCandidate(datagram, out headerLength, out payload)
                    || (_coalesceUdp && (udp = UdpCoalescing.IsCandidate(datagram, out headerLength, out payload)))))
            {
                Flush();
                WriteSingle(offset, size, peer);
                continue;
            }
            if (_runCount > 0 && _runCount < MaxCoalescedSegments && udp == _runUdp && headerLength == _runHeader
                && _runHeader + _runPayload + payload <= MaxIpv4PacketLength
                && (udp
                    ? UdpCoalescing.Follows(buffer.Slice(_runFirst, _runFirstLength), buffer.Slice(_runLast, _runLastLength), datagram, headerLength)
                    : TcpCoalescing.Follows(buffer.Slice(_runFirst, _runFirstLength), buffer.Slice(_runLast, _runLastLength), datagram, headerLength)))
            {
                _iov[_runCount + 1] = new IoVector(_buffer.Pointer + offset + headerLength, payload);
                _runCount++;
                _runLast = offset;
                _runLastLength = size;
                _runPayload += payload;
            }
            else
            {
                Flush();
                _runCount = 1;
                _runFirst = _runLast = offset;
                _runFirstLength = _runLastLength = size;
                _runHeader = headerLength;
                _runPayload = payload;
                _runUdp = udp;
                _runPeer = peer;
                _iov[1] = new IoVector(_buffer.Pointer + offset, size);
            }
            // A shorter segment or datagram, or PSH, ends the run (nothing may follow it).
            if (size < _runFirstLength || (!udp && (datagram[(datagram[0] & 0x0F) * 4 + TcpFlagsByte] & TcpPsh) != 0))
                Flush();
        }
    }

    private void Flush()
    {
        var count = _runCount;
        if (count == 0)
            return;
        _runCount = 0;
        if (count == 1)
        {
            WriteSingle(_runFirst, _runFirstLength, _runPeer);
            return;
        }
        var buffer = _buffer.Span;
        var lastFlags = buffer[_runLast + (buffer[_runLast] & 0x0F) * 4 + TcpFlagsByte];
        var vnet = _runUdp
            ? UdpCoalescing.FinishRun(buffer.Slice(_runFirst, _runHeader), _runHeader, _runPayload, _runFirstLength - _runHeader)
            : TcpCoalescing.FinishRun(buffer.Slice(_runFirst, _runHeader), _runHeader, _runPayload,
                _runFirstLength - _runHeader, (lastFlags & TcpPsh) != 0);
        var header = _headers.Span[VirtioNetHeader.Size..];
        vnet.Write(header);
        _iov[0] = new IoVector(_headers.Pointer + VirtioNetHeader.Size, VirtioNetHeader.Size);
        Counters.TunWritten(coalesced: true);
        var bytes = _runPayload + (long)count * _runHeader;
        if (_tun.WriteGather(_iov.AsSpan(0, count + 1)))
        {
            if (_runUdp)
                _udpGsoWriteSeen = true;
            else
                _gsoWriteSeen = true;
            _runPeer?.Counters.AddRx(count, bytes);
            return;
        }
        for (var i = 0; i < count; i++)
            _drops.Add(DropReason.TunWriteError);
        if (_runUdp)
        {
            if (!_udpGsoWriteSeen && _coalesceUdp)
            {
                _coalesceUdp = false;
                CoalescingDisabled?.Invoke($"TUN {_tun.Name} refused a GSO_UDP_L4 write; writing one UDP datagram per call from now on");
            }
        }
        else if (!_gsoWriteSeen && _coalesce)
        {
            _coalesce = false;
            CoalescingDisabled?.Invoke($"TUN {_tun.Name} refused a GSO_TCPV4 write; writing one packet per call from now on");
        }
    }

    private void WriteSingle(int offset, int size, ForwardingEntry? peer)
    {
        // The first 10 bytes of _headers stay zero: VIRTIO_NET_HDR_GSO_NONE, nothing to complete.
        Span<IoVector> parts = stackalloc IoVector[2];
        parts[0] = new IoVector(_headers.Pointer, VirtioNetHeader.Size);
        parts[1] = new IoVector(_buffer.Pointer + offset, size);
        Counters.TunWritten(coalesced: false);
        if (_tun.WriteGather(parts))
            peer?.Counters.AddRx(1, size);
        else
            _drops.Add(DropReason.TunWriteError);
    }
}
