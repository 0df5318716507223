using Overlay.Node.Dataplane;
using static Overlay.Node.Dataplane.DataplaneConstants;

namespace Overlay.Node.Tun;

/// <summary>
/// The write side of a TUN with IFF_VNET_HDR (GRO inside the device, as wireguard-go's tun.Device does):
/// a batch of bare IPv4 packets is written with consecutive segments of one TCP flow
/// (<see cref="TcpCoalescing"/>) merged into one GSO_TCPV4 writev behind a virtio_net_hdr (NEEDS_CSUM,
/// pseudo-header sum in the TCP field) and, on a TUN with UDP segmentation offload, consecutive
/// datagrams of one UDP flow (<see cref="UdpCoalescing"/>) likewise into one GSO_UDP_L4 write;
/// everything else is written singly behind a zero header. Nothing is held across calls, so latency
/// is unchanged. If the kernel refuses the very first GSO write of a kind, it never will (an old or odd
/// kernel): that kind is written packet by packet from then on and <see cref="CoalescingDisabled"/> says
/// so once. Threading: one batch writer at a time (the UDP-to-TUN pump); it owns every buffer and
/// allocates nothing per packet.
/// </summary>
public sealed unsafe class CoalescingTunWriter
{
    private readonly IGatherWriter _device;
    private readonly PinnedBuffer _headers = new(2 * VirtioNetHeader.Size);
    private readonly IoVector[] _iov = GC.AllocateArray<IoVector>(MaxCoalescedSegments + 1, pinned: true);

    // The open run: packets [_runFirst, _runFirst + _runCount) of the batch.
    private int _runCount;
    private int _runFirst;
    private int _runHeader;
    private int _runPayload;
    private bool _runUdp;

    private bool _coalesce = true;
    private bool _gsoWriteSeen;
    private bool _coalesceUdp;
    private bool _udpGsoWriteSeen;

    // What the current batch did.
    private int _written;
    private int _coalescedWrites;
    private int _singleWrites;

    /// <summary>Writes to <paramref name="device"/>; <paramref name="udpRuns"/>: the TUN took TUN_F_USO4,
    /// so UDP runs are merged too.</summary>
    public CoalescingTunWriter(IGatherWriter device, bool udpRuns)
    {
        _device = device;
        _coalesceUdp = udpRuns;
    }

    /// <summary>False once the kernel refused the first GSO write: every packet is then written singly.</summary>
    public bool Coalescing => _coalesce;

    /// <summary>True while UDP datagrams are merged into GSO_UDP_L4 writes.</summary>
    public bool CoalescingUdp => _coalesce && _coalesceUdp;

    /// <summary>Raised once, on the writing thread, when coalescing is turned off; the argument says why (one log line).</summary>
    public event Action<string>? CoalescingDisabled;

    /// <summary>Writes <paramref name="packets"/> (bare IPv4 packets in pinned memory, in order) and sets
    /// <paramref name="written"/>[i] for each one the kernel took. Throws only when the device fails.</summary>
    public TunBatchResult Write(ReadOnlySpan<IoVector> packets, Span<bool> written)
    {
        _written = _coalescedWrites = _singleWrites = 0;
        _runCount = 0;
        for (var i = 0; i < packets.Length; i++)
        {
            written[i] = false;
            var packet = packets[i].AsSpan();
            int headerLength = 0, payload = 0;
            var udp = false;
            if (!_coalesce || !(TcpCoalescing.IsCandidate(packet, out headerLength, out payload)
                    || (_coalesceUdp && (udp = UdpCoalescing.IsCandidate(packet, out headerLength, out payload)))))
            {
                Flush(packets, written);
                WriteSingle(packets, written, i);
                continue;
            }
            if (_runCount > 0 && _runCount < MaxCoalescedSegments && udp == _runUdp && headerLength == _runHeader
                && _runHeader + _runPayload + payload <= MaxIpv4PacketLength
                && (udp
                    ? UdpCoalescing.Follows(packets[_runFirst].AsSpan(), packets[i - 1].AsSpan(), packet, headerLength)
                    : TcpCoalescing.Follows(packets[_runFirst].AsSpan(), packets[i - 1].AsSpan(), packet, headerLength)))
            {
                _iov[_runCount + 1] = new IoVector(packets[i].Base + headerLength, payload);
                _runCount++;
                _runPayload += payload;
            }
            else
            {
                Flush(packets, written);
                _runCount = 1;
                _runFirst = i;
                _runHeader = headerLength;
                _runPayload = payload;
                _runUdp = udp;
                _iov[1] = packets[i];
            }
            // A shorter segment or datagram, or PSH, ends the run (nothing may follow it).
            if (packet.Length < (int)packets[_runFirst].Length
                || (!udp && (packet[(packet[0] & 0x0F) * 4 + TcpFlagsByte] & TcpPsh) != 0))
                Flush(packets, written);
        }
        Flush(packets, written);
        return new TunBatchResult(_written, _coalescedWrites, _singleWrites);
    }

    private void Flush(ReadOnlySpan<IoVector> packets, Span<bool> written)
    {
        var count = _runCount;
        if (count == 0)
            return;
        _runCount = 0;
        if (count == 1)
        {
            WriteSingle(packets, written, _runFirst);
            return;
        }
        // FinishRun rewrites the first packet's headers in place (the caller's buffer, writable).
        var first = new Span<byte>(packets[_runFirst].Base, (int)packets[_runFirst].Length);
        VirtioNetHeader vnet;
        if (_runUdp)
            vnet = UdpCoalescing.FinishRun(first[.._runHeader], _runHeader, _runPayload, first.Length - _runHeader);
        else
        {
            var last = packets[_runFirst + count - 1].AsSpan();
            var lastFlags = last[(last[0] & 0x0F) * 4 + TcpFlagsByte];
            vnet = TcpCoalescing.FinishRun(first[.._runHeader], _runHeader, _runPayload, first.Length - _runHeader, (lastFlags & TcpPsh) != 0);
        }
        vnet.Write(_headers.Span[VirtioNetHeader.Size..]);
        _iov[0] = new IoVector(_headers.Pointer + VirtioNetHeader.Size, VirtioNetHeader.Size);
        _coalescedWrites++;
        if (_device.WriteGather(_iov.AsSpan(0, count + 1)))
        {
            if (_runUdp)
                _udpGsoWriteSeen = true;
            else
                _gsoWriteSeen = true;
            written.Slice(_runFirst, count).Fill(true);
            _written += count;
            return;
        }
        if (_runUdp)
        {
            if (!_udpGsoWriteSeen && _coalesceUdp)
            {
                _coalesceUdp = false;
                CoalescingDisabled?.Invoke($"TUN {_device.Name} refused a GSO_UDP_L4 write; writing one UDP datagram per call from now on");
            }
        }
        else if (!_gsoWriteSeen && _coalesce)
        {
            _coalesce = false;
            CoalescingDisabled?.Invoke($"TUN {_device.Name} refused a GSO_TCPV4 write; writing one packet per call from now on");
        }
    }

    private void WriteSingle(ReadOnlySpan<IoVector> packets, Span<bool> written, int index)
    {
        // The first 10 bytes of _headers stay zero: VIRTIO_NET_HDR_GSO_NONE, nothing to complete.
        Span<IoVector> parts = stackalloc IoVector[2];
        parts[0] = new IoVector(_headers.Pointer, VirtioNetHeader.Size);
        parts[1] = packets[index];
        _singleWrites++;
        if (_device.WriteGather(parts))
        {
            written[index] = true;
            _written++;
        }
    }
}
