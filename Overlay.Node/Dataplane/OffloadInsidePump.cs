using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Overlay.Node.Tun;
using Overlay.Node.Udp;
using static Overlay.Node.Dataplane.DataplaneConstants;

namespace Overlay.Node.Dataplane;

/// <summary>
/// TUN to UDP with offloads: one read returns a virtio_net_hdr and up to 64 KiB; a TCP super-packet
/// is split into MTU-sized IPv4 packets (<see cref="GsoSplitter"/>), its route looked up once, and
/// all of them sent to the peer with as few sendmsg calls as UDP_SEGMENT allows (&lt;= 64 datagrams,
/// &lt;= 65507 bytes each), gathering header and payload slices without copying payloads. On the
/// wire each datagram is one inner packet of at most the TUN MTU, exactly as <see cref="InsidePump"/>
/// sends. Ordinary packets (checksum completed if pending) follow InsidePump's rules: drops by
/// reason, ICMP net unreachable into the TUN, per-peer counters. Ownership and threading:
/// <see cref="Run"/> runs on one dedicated thread and owns every buffer; no allocation per packet.
/// </summary>
public sealed unsafe class OffloadInsidePump
{
    private readonly IOffloadTunDevice _tun;
    private readonly IOffloadUdpTransport _udp;
    private readonly ForwardingTableRef _table;
    private readonly DropCounters _drops;
    private readonly uint _tunAddress;
    private readonly PinnedBuffer _frame = new(OffloadFrameSize);
    private readonly PinnedBuffer _reply = new(VirtioNetHeader.Size + MaxIcmpReplyLength);
    private readonly IoVector[] _iov = GC.AllocateArray<IoVector>(2 * UdpSegmentMaxDatagrams, pinned: true);
    private readonly GsoSplitter _splitter = new();

    /// <summary>Creates the pump over an offload TUN (<see cref="IOffloadTunDevice.OffloadsEnabled"/>);
    /// <paramref name="tunAddress"/> (host order) is the source of ICMP replies.</summary>
    public OffloadInsidePump(IOffloadTunDevice tun, IOffloadUdpTransport udp, ForwardingTableRef table, DropCounters drops, uint tunAddress,
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

    /// <summary>What this pump did (super-packets split, segments, sends); written only by the pump thread.</summary>
    public OffloadCounters Counters { get; }

    /// <summary>Pumps until the TUN is closed (returns normally); device failures propagate.</summary>
    public void Run()
    {
        while (true)
        {
            var length = _tun.Read(_frame.Span);
            if (length <= 0)
                return;
            ProcessFrame(length);
        }
    }

    /// <summary>Handles one TUN read (virtio header + packet), copied into the pump's buffer first.
    /// For tests; never throws for any input.</summary>
    public void Process(ReadOnlySpan<byte> frame)
    {
        var length = Math.Min(frame.Length, _frame.Array.Length);
        frame[..length].CopyTo(_frame.Span);
        ProcessFrame(length);
    }

    private void ProcessFrame(int length)
    {
        if (length < VirtioNetHeader.Size)
        {
            _drops.Add(DropReason.Malformed);
            return;
        }
        var vnet = VirtioNetHeader.Read(_frame.Span);
        var packet = _frame.Span[VirtioNetHeader.Size..length];
        switch (_splitter.Split(packet, vnet, _tun.Mtu))
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
        var payloadBase = _frame.Pointer + VirtioNetHeader.Size;
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
        _iov[0] = new IoVector(_frame.Pointer + VirtioNetHeader.Size, packet.Length);
        if (_udp.SendSegments(_iov.AsSpan(0, 1), 1, packet.Length, 1, peer.SocketAddress) == 1)
            peer.Counters.AddTx(1, packet.Length);
        else
            _drops.Add(DropReason.SendError);
    }

    private void ReplyUnreachable(in Ipv4Packet offender)
    {
        if (!IcmpUnreachable.ShouldReply(offender))
            return;
        var reply = _reply.Span;
        reply[..VirtioNetHeader.Size].Clear();
        var length = IcmpUnreachable.Write(offender, _tunAddress, reply[VirtioNetHeader.Size..]);
        _iov[0] = new IoVector(_reply.Pointer, VirtioNetHeader.Size + length);
        _tun.WriteGather(_iov.AsSpan(0, 1));
    }
}
