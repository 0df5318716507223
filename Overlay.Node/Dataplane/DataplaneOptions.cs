using System.Net;

namespace Overlay.Node.Dataplane;

/// <summary>
/// Host-local settings of the data path (the cluster-wide ones come with the NetworkConfig at Start).
/// </summary>
public sealed record DataplaneOptions
{
    /// <summary>TUN device name; "overlay0" by default. "%d" lets the kernel number it.</summary>
    public string TunName { get; init; } = DataplaneConstants.DefaultTunName;

    /// <summary>MTU of the underlay interface; the TUN gets this minus 28.</summary>
    public int UnderlayMtu { get; init; } = DataplaneConstants.DefaultUnderlayMtu;

    /// <summary>Address the UDP socket binds to (flannel binds the --iface address); the port is
    /// the lease's: the network config's Backend.Port unless --port overrides it. 0.0.0.0 by default.</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Any;

    /// <summary>Where subnet.env is written; /run/flannel/subnet.env by default.</summary>
    public string SubnetFilePath { get; init; } = DataplaneConstants.DefaultSubnetFilePath;

    /// <summary>When true (default), a received packet is accepted only if its outer source address is
    /// the public IP of the peer lease owning its inner source; false accepts any sender (flannel).</summary>
    public bool SourceCheck { get; init; } = DataplaneConstants.DefaultSourceCheck;

    /// <summary>Written to FLANNEL_IPMASQ (whether the node masquerades pod traffic leaving the overlay).</summary>
    public bool IpMasq { get; init; }

    /// <summary>When true (default), the TUN is opened with IFF_VNET_HDR and TSO/checksum offloads and
    /// the socket uses UDP_SEGMENT/UDP_GRO (falling back to a plain device when the kernel refuses);
    /// false opens them plain: the same pumps move one packet per TUN read, TUN write and UDP send. The
    /// wire format is the same either way.</summary>
    public bool Offload { get; init; } = DataplaneConstants.DefaultOffload;

    /// <summary>TUN queues (1 by default). More than 1 opens the TUN with IFF_MULTI_QUEUE once per queue
    /// and binds one UDP socket per queue with SO_REUSEPORT on the same port; each queue gets its own
    /// pair of pump threads. The kernel hashes a flow to one TUN queue and a peer's datagrams to one
    /// socket, so no flow is reordered.</summary>
    public int TunQueues { get; init; } = DataplaneConstants.DefaultTunQueues;

    /// <summary>The scheduling policy of the pump threads (<see cref="Dataplane.PumpScheduling.Batch"/> by default).</summary>
    public PumpScheduling PumpScheduling { get; init; } = DataplaneConstants.DefaultPumpScheduling;

    /// <summary>The TUN MTU asked for with --mtu (at most <see cref="UnderlayMtu"/> - 28, checked when the
    /// flag is read); null (default): <see cref="UnderlayMtu"/> - 28.</summary>
    public int? Mtu { get; init; }

    /// <summary>The TUN MTU these options give (also subnet.env's FLANNEL_MTU): <see cref="Mtu"/> when set,
    /// else <see cref="UnderlayMtu"/> - 28.</summary>
    public int TunMtu => Mtu ?? UnderlayMtu - DataplaneConstants.EncapOverhead;
}
