using System.Buffers.Binary;
using static Overlay.Node.Dataplane.DataplaneConstants;

namespace Overlay.Node.Dataplane;

/// <summary>
/// Builds the ICMP destination-unreachable (net unreachable) reply that the TUN side writes back
/// into the TUN when no peer owns a destination, as flannel's send_net_unreachable does: IPv4 from
/// the TUN address (&lt;subnet&gt;.0) to the offender's source, TTL 8, ICMP type 3 code 0, quoting the
/// offender's IP header and the first 8 bytes of its payload. Stateless and allocation-free.
/// </summary>
public static class IcmpUnreachable
{
    /// <summary>
    /// False for packets that must not be answered (RFC 1122 3.2.2 / RFC 792 loop avoidance):
    /// non-first fragments, ICMP error messages (types 3, 4, 5, 11, 12) and ICMP too short to carry a
    /// type, and offenders whose source is not a unicast host (0.0.0.0, 127/8, multicast, broadcast,
    /// class E) or whose destination is multicast or broadcast. ICMP queries such as echo requests
    /// are answered.
    /// </summary>
    public static bool ShouldReply(in Ipv4Packet offender)
    {
        if (offender.FragmentOffset != 0)
            return false;
        var source = offender.Source;
        if (source == 0 || source >> 24 == 127 || source >= 0xE0000000u)
            return false;
        if (offender.Destination >= 0xE0000000u)
            return false;
        if (offender.Protocol == ProtocolIcmp)
        {
            var payload = offender.Payload;
            if (payload.IsEmpty)
                return false;
            switch (payload[0])
            {
                case IcmpTypeDestinationUnreachable:
                case IcmpTypeSourceQuench:
                case IcmpTypeRedirect:
                case IcmpTypeTimeExceeded:
                case IcmpTypeParameterProblem:
                    return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Writes the reply to <paramref name="offender"/> into <paramref name="destination"/> (at least
    /// <see cref="DataplaneConstants.MaxIcmpReplyLength"/> bytes) and returns its length. The caller
    /// checks <see cref="ShouldReply"/> first. <paramref name="tunAddress"/> is host order.
    /// </summary>
    public static int Write(in Ipv4Packet offender, uint tunAddress, Span<byte> destination)
    {
        var quoted = offender.HeaderLength + Math.Min(IcmpQuotedPayload, offender.Length - offender.HeaderLength);
        var icmpLength = IcmpHeaderLength + quoted;
        var totalLength = MinIpv4Header + icmpLength;
        var reply = destination[..totalLength];

        var ip = reply[..MinIpv4Header];
        ip.Clear();
        ip[0] = (Ipv4Version << 4) | (MinIpv4Header / 4);
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)totalLength);
        // Identification 0 and no flags: the reply is small and never fragmented on its way to a pod.
        ip[8] = IcmpReplyTtl;
        ip[9] = ProtocolIcmp;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], tunAddress);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], offender.Source);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Compute(ip));

        var icmp = reply[MinIpv4Header..];
        icmp[..IcmpHeaderLength].Clear();
        icmp[0] = IcmpTypeDestinationUnreachable;
        icmp[1] = IcmpCodeNetUnreachable;
        offender.Bytes[..quoted].CopyTo(icmp[IcmpHeaderLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Compute(icmp));
        return totalLength;
    }
}
