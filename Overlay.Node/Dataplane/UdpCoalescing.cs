using System.Buffers.Binary;
using static Overlay.Node.Dataplane.DataplaneConstants;

namespace Overlay.Node.Dataplane;

/// <summary>
/// The rules for merging received UDP datagrams into one GSO_UDP_L4 write to the TUN (TUN_F_USO4), chosen
/// so that the kernel's segmentation of the merged packet gives back the very datagrams that arrived: a
/// candidate is an unfragmented IPv4 UDP datagram with payload, a UDP length matching the packet and a
/// non-zero checksum that verifies (anything else is written alone); a datagram follows a run when it has
/// the same IP header but for length, identification and checksum (TOS, DF, TTL, addresses, options), the
/// next identification (the kernel numbers the datagrams it cuts id, id + 1, ...), the same ports, and a
/// payload no longer than the run's first. A shorter datagram ends the run. Stateless; allocation-free.
/// </summary>
public static class UdpCoalescing
{
    /// <summary>If <paramref name="packet"/> (a packet that passed <see cref="InboundFilter"/>) may start or
    /// join a run, returns true with its IP+UDP header length and UDP payload length.</summary>
    public static bool IsCandidate(ReadOnlySpan<byte> packet, out int headerLength, out int payloadLength)
    {
        headerLength = payloadLength = 0;
        var ipHeader = (packet[0] & 0x0F) * 4;
        if (packet[9] != ProtocolUdp || (BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & (FragmentOffsetMask | MoreFragmentsFlag)) != 0)
            return false;
        if (ipHeader + UdpHeaderLength >= packet.Length)
            return false;
        var udp = packet[ipHeader..];
        if (BinaryPrimitives.ReadUInt16BigEndian(udp[4..]) != udp.Length || BinaryPrimitives.ReadUInt16BigEndian(udp[6..]) == 0)
            return false;
        var sum = InternetChecksum.PseudoHeaderSum(BinaryPrimitives.ReadUInt32BigEndian(packet[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(packet[16..]), ProtocolUdp, udp.Length);
        if (InternetChecksum.Finish(InternetChecksum.Sum(udp, sum)) != 0)
            return false;
        headerLength = ipHeader + UdpHeaderLength;
        payloadLength = packet.Length - headerLength;
        return true;
    }

    /// <summary>True when candidate <paramref name="next"/> continues the run whose first datagram is
    /// <paramref name="first"/> and last is <paramref name="last"/> (candidates with header length
    /// <paramref name="headerLength"/>; <paramref name="last"/> as long as <paramref name="first"/>).</summary>
    public static bool Follows(ReadOnlySpan<byte> first, ReadOnlySpan<byte> last, ReadOnlySpan<byte> next, int headerLength)
    {
        var ipHeader = (first[0] & 0x0F) * 4;
        if (next.Length <= headerLength || next.Length > first.Length || (next[0] & 0x0F) * 4 != ipHeader)
            return false;
        // IP: TOS; flags (DF); TTL, protocol; addresses and options.
        if (first[1] != next[1] || first[6] != next[6] || first[7] != next[7] || first[8] != next[8] || first[9] != next[9]
            || !first[12..ipHeader].SequenceEqual(next[12..ipHeader]))
            return false;
        if (BinaryPrimitives.ReadUInt16BigEndian(next[4..]) != (ushort)(BinaryPrimitives.ReadUInt16BigEndian(last[4..]) + 1))
            return false;
        return first.Slice(ipHeader, 4).SequenceEqual(next.Slice(ipHeader, 4));
    }

    /// <summary>
    /// Turns the header of a run's first datagram (in place) into the header of the merged packet of
    /// <paramref name="payloadTotal"/> payload bytes: IP total length and header checksum, UDP length, and the
    /// pseudo-header sum in the UDP checksum field (NEEDS_CSUM: the kernel completes each datagram's).
    /// Returns the virtio header to write in front: GSO_UDP_L4 with <paramref name="datagramPayload"/> per datagram.
    /// </summary>
    public static Tun.VirtioNetHeader FinishRun(Span<byte> firstHeader, int headerLength, int payloadTotal, int datagramPayload)
    {
        var ipHeader = (firstHeader[0] & 0x0F) * 4;
        BinaryPrimitives.WriteUInt16BigEndian(firstHeader[2..], (ushort)(headerLength + payloadTotal));
        firstHeader[10] = firstHeader[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(firstHeader[10..], InternetChecksum.Compute(firstHeader[..ipHeader]));
        var udpLength = UdpHeaderLength + payloadTotal;
        BinaryPrimitives.WriteUInt16BigEndian(firstHeader[(ipHeader + 4)..], (ushort)udpLength);
        var pseudo = InternetChecksum.PseudoHeaderSum(BinaryPrimitives.ReadUInt32BigEndian(firstHeader[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(firstHeader[16..]), ProtocolUdp, udpLength);
        BinaryPrimitives.WriteUInt16BigEndian(firstHeader[(ipHeader + 6)..], InternetChecksum.Fold(pseudo));
        return new Tun.VirtioNetHeader(Tun.VirtioNetHeader.FlagNeedsCsum, Tun.VirtioNetHeader.GsoUdpL4,
            (ushort)headerLength, (ushort)datagramPayload, (ushort)ipHeader, Tun.VirtioNetHeader.UdpCsumOffset);
    }
}
