using static Overlay.Node.Dataplane.DataplaneConstants;

namespace Overlay.Node.Dataplane;

/// <summary>
/// The rules every packet read from the TUN must pass before it is routed, applied by
/// <see cref="InsidePump"/> to every ordinary packet (the twin of
/// <see cref="InboundFilter"/> for the other direction): one IPv4 packet whose total length is
/// exactly what the TUN handed over, and no longer than the TUN MTU or one UDP payload.
/// Stateless, allocation-free, never throws.
/// </summary>
public static class OutboundFilter
{
    /// <summary>True when <paramref name="packet"/> may be routed, with its parsed header in
    /// <paramref name="ip"/>; otherwise <paramref name="reason"/> says why not.</summary>
    public static bool Accept(ReadOnlySpan<byte> packet, int tunMtu, out Ipv4Packet ip, out DropReason reason)
    {
        switch (Ipv4Packet.TryParse(packet, out ip))
        {
            case Ipv4Packet.ParseError.NotIpv4:
                reason = DropReason.NotIpv4;
                return false;
            case Ipv4Packet.ParseError.Malformed:
                reason = DropReason.Malformed;
                return false;
        }
        // The TUN hands over exactly one packet per read: trailing bytes mean a lying length field.
        if (ip.Length != packet.Length)
        {
            reason = DropReason.Malformed;
            return false;
        }
        if (packet.Length > tunMtu || packet.Length > MaxUdpPayload)
        {
            reason = DropReason.TooBig;
            return false;
        }
        reason = default;
        return true;
    }
}
