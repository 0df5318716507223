using System.Buffers.Binary;
using static Overlay.Node.Dataplane.DataplaneConstants;

namespace Overlay.Node.Dataplane;

/// <summary>
/// The rules for merging received TCP segments into one GSO_TCPV4 write to the TUN, the same the
/// kernel's GRO and wireguard-go's tcpGRO apply: a candidate is an unfragmented IPv4 TCP segment with
/// payload, only ACK (and PSH) set, and a correct TCP checksum (a bad one is written alone, so the
/// kernel drops it as it would have); a segment follows a run when it has the same IP header but for
/// length, identification and checksum (so TOS, TTL, DF, options and addresses match), the same TCP
/// ports, ack, window, flags but PSH and options, the next sequence number, and a payload no longer
/// than the run's first. A shorter segment or PSH ends the run. Stateless; allocation-free.
/// </summary>
public static class TcpCoalescing
{
    /// <summary>If <paramref name="packet"/> (a packet that passed <see cref="InboundFilter"/>) may start or
    /// join a run, returns true with its IP+TCP header length and TCP payload length.</summary>
    public static bool IsCandidate(ReadOnlySpan<byte> packet, out int headerLength, out int payloadLength)
    {
        headerLength = payloadLength = 0;
        var ipHeader = (packet[0] & 0x0F) * 4;
        if (packet[9] != ProtocolTcp || (BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & (FragmentOffsetMask | MoreFragmentsFlag)) != 0)
            return false;
        if (ipHeader + MinTcpHeader > packet.Length)
            return false;
        var tcpHeader = (packet[ipHeader + TcpDataOffsetByte] >> 4) * 4;
        if (tcpHeader < MinTcpHeader || ipHeader + tcpHeader >= packet.Length)
            return false;
        if ((packet[ipHeader + TcpFlagsByte] & ~TcpPsh) != TcpAck)
            return false;
        var sum = InternetChecksum.PseudoHeaderSum(BinaryPrimitives.ReadUInt32BigEndian(packet[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(packet[16..]), ProtocolTcp, packet.Length - ipHeader);
        if (InternetChecksum.Finish(InternetChecksum.Sum(packet[ipHeader..], sum)) != 0)
            return false;
        headerLength = ipHeader + tcpHeader;
        payloadLength = packet.Length - headerLength;
        return true;
    }

    /// <summary>True when candidate <paramref name="next"/> continues the run whose first segment is
    /// <paramref name="first"/> and last is <paramref name="last"/> (both candidates with header length
    /// <paramref name="headerLength"/>; <paramref name="last"/> without PSH and as long as <paramref name="first"/>).</summary>
    public static bool Follows(ReadOnlySpan<byte> first, ReadOnlySpan<byte> last, ReadOnlySpan<byte> next, int headerLength)
    {
        var ipHeader = (first[0] & 0x0F) * 4;
        if (next.Length <= headerLength || next.Length > first.Length || (next[0] & 0x0F) * 4 != ipHeader)
            return false;
        var nextTcp = (next[ipHeader + TcpDataOffsetByte] >> 4) * 4;
        if (ipHeader + nextTcp != headerLength)
            return false;
        // IP: version/IHL, TOS; flags (DF); TTL, protocol; addresses and options.
        if (first[1] != next[1] || first[6] != next[6] || first[7] != next[7] || first[8] != next[8]
            || !first[12..ipHeader].SequenceEqual(next[12..ipHeader]))
            return false;
        var f = first[ipHeader..headerLength];
        var n = next[ipHeader..headerLength];
        // TCP: ports; ack, data offset; window; options (skip seq, flags' PSH, checksum, urgent pointer).
        if (!f[..4].SequenceEqual(n[..4]) || !f[8..13].SequenceEqual(n[8..13]) || !f[14..16].SequenceEqual(n[14..16])
            || ((f[TcpFlagsByte] ^ n[TcpFlagsByte]) & ~TcpPsh) != 0 || !f[MinTcpHeader..].SequenceEqual(n[MinTcpHeader..]))
            return false;
        var lastSeq = BinaryPrimitives.ReadUInt32BigEndian(last[(ipHeader + 4)..]);
        var nextSeq = BinaryPrimitives.ReadUInt32BigEndian(n[4..]);
        return nextSeq == unchecked(lastSeq + (uint)(last.Length - headerLength));
    }

    /// <summary>
    /// Turns the header of a run's first segment (in place) into the header of the merged packet of
    /// <paramref name="payloadTotal"/> payload bytes: total length, header checksum, PSH when the last
    /// segment had it, and the pseudo-header sum in the TCP checksum field (NEEDS_CSUM: the kernel
    /// completes it). Returns the virtio header to write in front.
    /// </summary>
    public static Tun.VirtioNetHeader FinishRun(Span<byte> firstHeader, int headerLength, int payloadTotal, int segmentPayload, bool push)
    {
        var ipHeader = (firstHeader[0] & 0x0F) * 4;
        BinaryPrimitives.WriteUInt16BigEndian(firstHeader[2..], (ushort)(headerLength + payloadTotal));
        firstHeader[10] = firstHeader[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(firstHeader[10..], InternetChecksum.Compute(firstHeader[..ipHeader]));
        if (push)
            firstHeader[ipHeader + TcpFlagsByte] |= TcpPsh;
        var pseudo = InternetChecksum.PseudoHeaderSum(BinaryPrimitives.ReadUInt32BigEndian(firstHeader[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(firstHeader[16..]), ProtocolTcp, headerLength - ipHeader + payloadTotal);
        BinaryPrimitives.WriteUInt16BigEndian(firstHeader[(ipHeader + 16)..], InternetChecksum.Fold(pseudo));
        return new Tun.VirtioNetHeader(Tun.VirtioNetHeader.FlagNeedsCsum, Tun.VirtioNetHeader.GsoTcpV4,
            (ushort)headerLength, (ushort)segmentPayload, (ushort)ipHeader, Tun.VirtioNetHeader.TcpCsumOffset);
    }
}
