namespace Overlay.Node.Dataplane;

/// <summary>
/// Why a pump dropped a packet. Each value has a stable snake_case counter name
/// (<see cref="DropCounters.NameOf"/>) that the management endpoint exposes; add new reasons at the end.
/// </summary>
public enum DropReason
{
    /// <summary>Empty, or the IP version is not 4 (TUN: IPv6 the kernel routed to us; UDP: junk).</summary>
    NotIpv4,
    /// <summary>Claims IPv4 but the header or lengths are inconsistent, the header checksum is wrong,
    /// or (UDP side) the total length differs from the datagram length.</summary>
    Malformed,
    /// <summary>TUN side: no peer owns the destination; answered with ICMP net unreachable where allowed.</summary>
    NoRoute,
    /// <summary>TUN side: longer than the TUN MTU (cannot happen without offloads unless the MTU was
    /// changed under us) or than a UDP datagram can carry.</summary>
    TooBig,
    /// <summary>UDP side: the inner destination is not in this node's subnet.</summary>
    NotForThisSubnet,
    /// <summary>UDP side: the inner source belongs to a peer whose public IP is not the outer source.</summary>
    SpoofedSource,
    /// <summary>UDP side: no known peer lease owns the inner source (with the source check on).</summary>
    UnknownSource,
    /// <summary>TUN side: the UDP send failed (e.g. EMSGSIZE, ENETUNREACH, ENOBUFS).</summary>
    SendError,
    /// <summary>UDP side: writing into the TUN failed (e.g. the kernel rejected the packet).</summary>
    TunWriteError,
    /// <summary>UDP side: the kernel cut the received control messages short (MSG_CTRUNC), so the
    /// UDP_GRO size may be missing and a batch of datagrams would pass for one: the batch is dropped.</summary>
    ControlTruncated,
}
