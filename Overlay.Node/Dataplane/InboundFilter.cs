using Overlay.Actors.Addressing;
using Overlay.Node.Udp;

namespace Overlay.Node.Dataplane;

/// <summary>
/// The rules every datagram from the underlay must pass before its inner packet reaches the TUN,
/// applied by <see cref="OutsidePump"/> to every datagram: one well-formed IPv4
/// packet (version 4, sane header, correct header checksum, total length equal to the datagram
/// length), destination in this node's subnet, and with the source check on, the outer source is
/// the public IP of the peer lease owning the inner source. Stateless, allocation-free, never throws.
/// </summary>
public static class InboundFilter
{
    /// <summary>True when <paramref name="datagram"/> may be written to the TUN; otherwise
    /// <paramref name="reason"/> says why not. <paramref name="peer"/> is the owner of the inner source (may be
    /// null when the source check is off).</summary>
    public static bool Accept(ReadOnlySpan<byte> datagram, UdpSource source, ForwardingTable table, Ipv4Subnet localSubnet,
        bool sourceCheck, out DropReason reason, out ForwardingEntry? peer)
    {
        peer = null;
        switch (Ipv4Packet.TryParse(datagram, out var ip))
        {
            case Ipv4Packet.ParseError.NotIpv4:
                reason = DropReason.NotIpv4;
                return false;
            case Ipv4Packet.ParseError.Malformed:
                reason = DropReason.Malformed;
                return false;
        }
        if (ip.Length != datagram.Length || !ip.HasValidHeaderChecksum)
        {
            reason = DropReason.Malformed;
            return false;
        }
        if (!localSubnet.Contains(ip.Destination))
        {
            reason = DropReason.NotForThisSubnet;
            return false;
        }
        peer = table.LookupSource(ip.Source);
        if (sourceCheck)
        {
            if (peer is null)
            {
                reason = DropReason.UnknownSource;
                return false;
            }
            if (peer.PublicIp != source.Address)
            {
                reason = DropReason.SpoofedSource;
                return false;
            }
        }
        reason = default;
        return true;
    }
}
