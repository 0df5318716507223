using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Overlay.Node.Tun;
using static Overlay.Node.Dataplane.DataplaneConstants;

namespace Overlay.Node.Dataplane;

/// <summary>
/// Turns one read of an offload TUN (virtio_net_hdr + packet) into what goes on the wire: a
/// GSO_TCPV4 super-packet becomes MSS-sized TCP segments, each an ordinary IPv4 packet with its own
/// header (total length, identification + i, header checksum, sequence number + i x MSS, FIN/PSH
/// only on the last, CWR only on the first, full TCP checksum), as wireguard-go's gsoSplit does; a
/// GSO_UDP_L4 super-packet (TUN_F_USO4) becomes gso_size-payload UDP datagrams, each an ordinary
/// IPv4 packet (total length, identification + i, header checksum, UDP length, full UDP checksum,
/// 0xFFFF for a computed 0), as the kernel's own UDP segmentation makes them; a
/// NEEDS_CSUM packet gets its L4 checksum completed in place. Headers go to a pinned arena owned by
/// this instance; payloads stay where they are (the caller sends them by gather). Ownership and
/// threading: one instance per pump thread; nothing is allocated after construction.
/// </summary>
public sealed unsafe class GsoSplitter
{
    private readonly byte[] _arena = GC.AllocateArray<byte>(MaxGsoSegments * MaxSegmentHeader, pinned: true);
    private readonly int[] _payloadOffset = new int[MaxGsoSegments];
    private readonly int[] _payloadLength = new int[MaxGsoSegments];

    /// <summary>Segments made by the last <see cref="GsoSplitResult.Segmented"/> split.</summary>
    public int Count { get; private set; }

    /// <summary>IP + TCP header length of every segment of the last split.</summary>
    public int HeaderLength { get; private set; }

    /// <summary>The MSS of the last split: every segment's payload but the last one's.</summary>
    public int SegmentPayload { get; private set; }

    /// <summary>The header of segment <paramref name="index"/> (in the arena).</summary>
    public Span<byte> Header(int index) => _arena.AsSpan(index * MaxSegmentHeader, HeaderLength);

    /// <summary>Pointer to the header of segment <paramref name="index"/>; the arena is pinned for this object's life.</summary>
    public byte* HeaderPointer(int index) =>
        (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_arena)) + index * MaxSegmentHeader;

    /// <summary>Offset of segment <paramref name="index"/>'s payload within the split packet.</summary>
    public int PayloadOffset(int index) => _payloadOffset[index];

    /// <summary>Length of segment <paramref name="index"/>'s payload.</summary>
    public int PayloadLength(int index) => _payloadLength[index];

    /// <summary>
    /// Splits or completes <paramref name="packet"/> (the bytes after the virtio header) for a TUN of
    /// <paramref name="mtu"/>. <see cref="GsoSplitResult.Single"/> leaves an ordinary packet (its pending
    /// checksum, if any, written in place) for the caller's usual checks; <see cref="GsoSplitResult.Segmented"/>
    /// fills the arena. Never throws for any input.
    /// </summary>
    public GsoSplitResult Split(Span<byte> packet, in VirtioNetHeader vnet, int mtu)
    {
        Count = 0;
        var gsoType = vnet.GsoType & ~VirtioNetHeader.GsoEcn;
        if (gsoType == VirtioNetHeader.GsoNone)
        {
            if ((vnet.Flags & VirtioNetHeader.FlagNeedsCsum) != 0 && !CompleteChecksum(packet, vnet.CsumStart, vnet.CsumOffset))
                return packet.IsEmpty || packet[0] >> 4 != Ipv4Version ? GsoSplitResult.NotIpv4 : GsoSplitResult.Malformed;
            return GsoSplitResult.Single;
        }

        switch (Ipv4Packet.TryParse(packet, out var ip))
        {
            case Ipv4Packet.ParseError.NotIpv4:
                return GsoSplitResult.NotIpv4;
            case Ipv4Packet.ParseError.Malformed:
                return GsoSplitResult.Malformed;
        }
        if (gsoType == VirtioNetHeader.GsoUdpL4)
            return SplitUdp(packet, ip, vnet.GsoSize, mtu);
        if (gsoType != VirtioNetHeader.GsoTcpV4 || ip.Length != packet.Length || ip.Protocol != ProtocolTcp
            || ip.FragmentOffset != 0 || ip.MoreFragments)
            return GsoSplitResult.Malformed;
        var ipHeader = ip.HeaderLength;
        if (ipHeader + MinTcpHeader > packet.Length)
            return GsoSplitResult.Malformed;
        var tcpHeader = (packet[ipHeader + TcpDataOffsetByte] >> 4) * 4;
        var headerLength = ipHeader + tcpHeader;
        if (tcpHeader < MinTcpHeader || headerLength > packet.Length)
            return GsoSplitResult.Malformed;
        var mss = (int)vnet.GsoSize;
        if (mss == 0)
            return GsoSplitResult.Malformed;
        if (headerLength + mss > mtu)
            return GsoSplitResult.TooBig;
        var payload = packet.Length - headerLength;
        var count = payload == 0 ? 1 : (payload + mss - 1) / mss;
        if (count > MaxGsoSegments)
            return GsoSplitResult.TooBig;

        var source = BinaryPrimitives.ReadUInt32BigEndian(packet[12..]);
        var destination = BinaryPrimitives.ReadUInt32BigEndian(packet[16..]);
        var id = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        var seq = BinaryPrimitives.ReadUInt32BigEndian(packet[(ipHeader + 4)..]);
        var flags = packet[ipHeader + TcpFlagsByte];
        var original = packet[..headerLength];
        for (var i = 0; i < count; i++)
        {
            var offset = headerLength + i * mss;
            var length = Math.Min(mss, packet.Length - offset);
            var header = SegmentIpHeader(original, i, ipHeader, length, id);

            var tcp = header[ipHeader..];
            BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq + (uint)(i * mss));
            var segmentFlags = flags;
            if (i != count - 1)
                segmentFlags &= unchecked((byte)~(TcpFin | TcpPsh));
            if (i != 0)
                segmentFlags &= unchecked((byte)~TcpCwr);
            tcp[TcpFlagsByte] = segmentFlags;
            tcp[16] = tcp[17] = 0;
            var sum = InternetChecksum.PseudoHeaderSum(source, destination, ProtocolTcp, tcpHeader + length);
            sum = InternetChecksum.Sum(tcp[..tcpHeader], sum);
            sum = InternetChecksum.Sum(packet.Slice(offset, length), sum);
            BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], InternetChecksum.Finish(sum));

            _payloadOffset[i] = offset;
            _payloadLength[i] = length;
        }
        Count = count;
        HeaderLength = headerLength;
        SegmentPayload = mss;
        return GsoSplitResult.Segmented;
    }

    private GsoSplitResult SplitUdp(Span<byte> packet, in Ipv4Packet ip, int datagramPayload, int mtu)
    {
        if (ip.Length != packet.Length || ip.Protocol != ProtocolUdp || ip.FragmentOffset != 0 || ip.MoreFragments)
            return GsoSplitResult.Malformed;
        var ipHeader = ip.HeaderLength;
        var headerLength = ipHeader + UdpHeaderLength;
        if (headerLength > packet.Length || datagramPayload == 0)
            return GsoSplitResult.Malformed;
        if (headerLength + datagramPayload > mtu)
            return GsoSplitResult.TooBig;
        var payload = packet.Length - headerLength;
        var count = payload == 0 ? 1 : (payload + datagramPayload - 1) / datagramPayload;
        if (count > MaxGsoSegments)
            return GsoSplitResult.TooBig;

        var source = BinaryPrimitives.ReadUInt32BigEndian(packet[12..]);
        var destination = BinaryPrimitives.ReadUInt32BigEndian(packet[16..]);
        var id = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        var original = packet[..headerLength];
        for (var i = 0; i < count; i++)
        {
            var offset = headerLength + i * datagramPayload;
            var length = Math.Min(datagramPayload, packet.Length - offset);
            var header = SegmentIpHeader(original, i, ipHeader, length, id);

            var udp = header[ipHeader..];
            BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(UdpHeaderLength + length));
            udp[6] = udp[7] = 0;
            var sum = InternetChecksum.PseudoHeaderSum(source, destination, ProtocolUdp, UdpHeaderLength + length);
            sum = InternetChecksum.Sum(udp[..UdpHeaderLength], sum);
            sum = InternetChecksum.Sum(packet.Slice(offset, length), sum);
            var check = InternetChecksum.Finish(sum);
            // A computed 0 goes out as 0xFFFF: 0 in the field means "no checksum" (RFC 768).
            BinaryPrimitives.WriteUInt16BigEndian(udp[6..], check == 0 ? (ushort)0xFFFF : check);

            _payloadOffset[i] = offset;
            _payloadLength[i] = length;
        }
        Count = count;
        HeaderLength = headerLength;
        SegmentPayload = datagramPayload;
        return GsoSplitResult.Segmented;
    }

    /// <summary>Segment <paramref name="index"/>'s headers in the arena: a copy of
    /// <paramref name="original"/> (IPv4 + L4 header) whose IPv4 total length covers
    /// <paramref name="payloadLength"/>, identification is <paramref name="firstId"/> + index, and header
    /// checksum is recomputed. The L4 fields are the caller's (TCP and UDP differ there).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> SegmentIpHeader(ReadOnlySpan<byte> original, int index, int ipHeader, int payloadLength, ushort firstId)
    {
        var header = _arena.AsSpan(index * MaxSegmentHeader, original.Length);
        original.CopyTo(header);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(original.Length + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], (ushort)(firstId + index));
        header[10] = header[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header[..ipHeader]));
        return header;
    }

    /// <summary>
    /// Completes a NEEDS_CSUM packet in place: the field at <paramref name="csumStart"/> +
    /// <paramref name="csumOffset"/> holds the pseudo-header sum, and the checksum covers everything from
    /// <paramref name="csumStart"/> to the end (how the kernel's skb_checksum_help does it; a result of 0 is
    /// sent as 0xFFFF). False when the offsets do not fit the packet or its IPv4 header.
    /// </summary>
    public static bool CompleteChecksum(Span<byte> packet, int csumStart, int csumOffset)
    {
        if (packet.Length < MinIpv4Header || packet[0] >> 4 != Ipv4Version)
            return false;
        var ipHeader = (packet[0] & 0x0F) * 4;
        if (csumStart < ipHeader || csumStart + csumOffset + 2 > packet.Length)
            return false;
        var result = InternetChecksum.Finish(InternetChecksum.Sum(packet[csumStart..], 0));
        BinaryPrimitives.WriteUInt16BigEndian(packet[(csumStart + csumOffset)..], result == 0 ? (ushort)0xFFFF : result);
        return true;
    }
}
