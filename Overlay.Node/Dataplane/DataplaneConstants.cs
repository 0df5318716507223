namespace Overlay.Node.Dataplane;

/// <summary>
/// Every number the data path depends on, in one place, with the reason it has its value.
/// Protocol numbers come from the RFCs; the rest from flannel's UDP backend, whose wire format
/// and MTU rule we keep for compatibility.
/// </summary>
public static class DataplaneConstants
{
    /// <summary>Outer IPv4 header (20) + UDP header (8): the TUN MTU is the underlay MTU minus this
    /// (flannel's encapOverhead), so an encapsulated full-size packet still fits one underlay frame.</summary>
    public const int EncapOverhead = 28;

    /// <summary>The MTU assumed for the underlay when none is configured (Ethernet).</summary>
    public const int DefaultUnderlayMtu = 1500;

    /// <summary>Smallest MTU we accept for the TUN: IPv4 requires every link to carry 576-byte
    /// datagrams (RFC 791), and a smaller overlay MTU only breaks things quietly.</summary>
    public const int MinTunMtu = 576;

    /// <summary>Largest IPv4 total length (a 16-bit field).</summary>
    public const int MaxIpv4PacketLength = 65535;

    /// <summary>Largest UDP payload over IPv4: 65535 - 20 (IP) - 8 (UDP). A datagram never exceeds it,
    /// so a receive buffer this large is never truncated.</summary>
    public const int MaxUdpPayload = 65507;

    /// <summary>Size of each pump's packet buffer: one full IPv4 packet, which is also the largest TUN
    /// super-packet (the virtio_net_hdr is read aside by the device) and the largest UDP GRO batch.</summary>
    public const int PacketBufferSize = 65536;

    /// <summary>Minimum IPv4 header: IHL 5 x 4 bytes (RFC 791).</summary>
    public const int MinIpv4Header = 20;

    /// <summary>Maximum IPv4 header: IHL 15 x 4 bytes.</summary>
    public const int MaxIpv4Header = 60;

    /// <summary>IP version of IPv4, the high nibble of the first byte.</summary>
    public const int Ipv4Version = 4;

    /// <summary>The fragment-offset field's mask within the flags+offset word (RFC 791);
    /// a non-zero offset marks a non-first fragment.</summary>
    public const ushort FragmentOffsetMask = 0x1FFF;

    /// <summary>The More Fragments flag within the flags+offset word.</summary>
    public const ushort MoreFragmentsFlag = 0x2000;

    /// <summary>IP protocol number of ICMP (RFC 792).</summary>
    public const byte ProtocolIcmp = 1;

    /// <summary>TTL of the ICMP replies we generate: 8, as flannel's send_net_unreachable; they only
    /// travel from the TUN to a local pod.</summary>
    public const byte IcmpReplyTtl = 8;

    /// <summary>ICMP header: type, code, checksum, 4 unused bytes (RFC 792).</summary>
    public const int IcmpHeaderLength = 8;

    /// <summary>How much of the offender's payload an ICMP error quotes after its IP header (RFC 792).</summary>
    public const int IcmpQuotedPayload = 8;

    /// <summary>ICMP type Destination Unreachable.</summary>
    public const byte IcmpTypeDestinationUnreachable = 3;

    /// <summary>ICMP code Net Unreachable: no peer owns the destination subnet.</summary>
    public const byte IcmpCodeNetUnreachable = 0;

    /// <summary>ICMP type Source Quench (an error type; never answered).</summary>
    public const byte IcmpTypeSourceQuench = 4;

    /// <summary>ICMP type Redirect (an error type; never answered).</summary>
    public const byte IcmpTypeRedirect = 5;

    /// <summary>ICMP type Time Exceeded (an error type; never answered).</summary>
    public const byte IcmpTypeTimeExceeded = 11;

    /// <summary>ICMP type Parameter Problem (an error type; never answered).</summary>
    public const byte IcmpTypeParameterProblem = 12;

    /// <summary>The longest ICMP reply we build: 20 (our IP header) + 8 (ICMP) + 60 (largest quoted
    /// header) + 8 (quoted payload). The pump's reply buffer has this size.</summary>
    public const int MaxIcmpReplyLength = MinIpv4Header + IcmpHeaderLength + MaxIpv4Header + IcmpQuotedPayload;

    /// <summary>Socket send and receive buffer we ask for (4 MiB): the default ~200 KiB drops bursts
    /// at a few hundred Mbps; the kernel caps it at net.core.[rw]mem_max.</summary>
    public const int SocketBufferBytes = 4 * 1024 * 1024;

    /// <summary>How long Stop waits for each pump thread to end before giving up on it (ms). Closing
    /// the device and socket wakes them, so this is only reached if the OS misbehaves.</summary>
    public const int PumpJoinTimeoutMs = 5000;

    /// <summary>The file flannel's CNI plugin reads: default path of subnet.env.</summary>
    public const string DefaultSubnetFilePath = "/run/flannel/subnet.env";

    /// <summary>Default TUN device name (flannel uses flannel0).</summary>
    public const string DefaultTunName = "overlay0";

    /// <summary>Default of --source-check: a datagram is accepted only from the lease holder of its inner
    /// source (flannel accepts any sender).</summary>
    public const bool DefaultSourceCheck = true;

    /// <summary>Default of --offload: TUN TSO/checksum offloads and UDP GSO/GRO, falling back when the kernel refuses.</summary>
    public const bool DefaultOffload = true;

    /// <summary>Default of --tun-queues: one queue, one socket, one pump pair.</summary>
    public const int DefaultTunQueues = 1;

    /// <summary>Default of --pump-scheduling: sending pumps SCHED_BATCH, each receiving pump SCHED_OTHER only
    /// while its receive calls return bursts (pod UDP bulk 1.17-1.35x the kernel VXLAN in three runs against
    /// 0.92-0.98x all batch, with ping p50 kept nearer batch's than receive-normal's; see
    /// <see cref="Dataplane.PumpScheduling"/> and bench/README.md "UDP bulk").</summary>
    public const PumpScheduling DefaultPumpScheduling = PumpScheduling.Adaptive;

    /// <summary>Largest number of table slots (subnets in the network) we index: 2^24, which a /8
    /// network cut into /32s would need; flannel's limits keep real configs far below.</summary>
    public const int MaxSubnetIndexBits = 24;

    /// <summary>Slots per page of the forwarding table (2^8). Pages are copied on write so a change
    /// costs one page plus the page directory, not the whole table.</summary>
    public const int ForwardingPageBits = 8;

    /// <summary>SOL_SOCKET (asm-generic/socket.h), for the raw socket options below.</summary>
    public const int SolSocket = 1;

    /// <summary>SO_SNDBUFFORCE: like SO_SNDBUF but past net.core.wmem_max (needs CAP_NET_ADMIN).</summary>
    public const int SoSndBufForce = 32;

    /// <summary>SO_RCVBUFFORCE: like SO_RCVBUF but past net.core.rmem_max (needs CAP_NET_ADMIN).</summary>
    public const int SoRcvBufForce = 33;

    /// <summary>SO_REUSEPORT: several sockets on one port, the kernel choosing one per 4-tuple (one per --tun-queues queue).</summary>
    public const int SoReusePort = 15;

    /// <summary>IP protocol number of UDP.</summary>
    public const byte ProtocolUdp = 17;

    /// <summary>UDP header: ports, length, checksum (RFC 768).</summary>
    public const int UdpHeaderLength = 8;

    /// <summary>IP protocol number of TCP.</summary>
    public const byte ProtocolTcp = 6;

    /// <summary>Minimum TCP header: data offset 5 x 4 bytes (RFC 793).</summary>
    public const int MinTcpHeader = 20;

    /// <summary>Byte of the TCP header holding the data offset (high nibble).</summary>
    public const int TcpDataOffsetByte = 12;

    /// <summary>Byte of the TCP header holding the flags.</summary>
    public const int TcpFlagsByte = 13;

    /// <summary>TCP flag FIN.</summary>
    public const byte TcpFin = 0x01;

    /// <summary>TCP flag PSH.</summary>
    public const byte TcpPsh = 0x08;

    /// <summary>TCP flag ACK.</summary>
    public const byte TcpAck = 0x10;

    /// <summary>TCP flag CWR.</summary>
    public const byte TcpCwr = 0x80;

    /// <summary>Largest IPv4 + TCP header (60 + 60): the slot size of the split header arena.</summary>
    public const int MaxSegmentHeader = MaxIpv4Header + 60;

    /// <summary>Most segments one TUN super-packet may be cut into: 64 KiB at the kernel's smallest
    /// MSS (48 since Linux 5.2, TCP_MIN_SND_MSS) is 1366; beyond this the read is dropped as too big.</summary>
    public const int MaxGsoSegments = 2048;

    /// <summary>Most datagrams one UDP_SEGMENT send may carry (the kernel's UDP_MAX_SEGMENTS was 64
    /// before 6.x; wireguard-go keeps 64).</summary>
    public const int UdpSegmentMaxDatagrams = 64;

    /// <summary>Ordinary packets the TUN-to-UDP pump takes from the TUN after one blocking read before it
    /// sends (one UDP_SEGMENT send carries at most 64): what a pod's UDP stream fills between two wakes.
    /// Each takes one MTU-sized slot of the pump's buffer.</summary>
    public const int InsideBatchPackets = 64;

    /// <summary>Most TCP segments merged into one GSO write to the TUN (a UDP GRO batch holds at most 64).</summary>
    public const int MaxCoalescedSegments = 64;

    /// <summary>Datagrams in one receive call from which a UDP-to-TUN pump under --pump-scheduling adaptive
    /// runs SCHED_OTHER (<see cref="ReceiveSchedulingGovernor"/>): ping and request/response bring one per
    /// call; the pod UDP flood on the bench brought ~26 per call, TCP bulk a GRO batch of up to 64.</summary>
    public const int ReceiveBurstDatagrams = 8;

    /// <summary>Receive calls in a row below <see cref="ReceiveBurstDatagrams"/> after which such a pump
    /// returns to SCHED_BATCH (hysteresis: a prompt pump's calls come back smaller during a stream; with 64
    /// the pod UDP flood gained only 1.09x against 1.31x for receive-normal, so it flapped). 1024 calls
    /// are ~0.1 s of request/response traffic.</summary>
    public const int ReceiveQuietCalls = 1024;

    /// <summary>Receive batches (UDP GRO super-datagrams) one recvmmsg takes at most, each in its own
    /// 64 KiB slot of the offload outside pump's buffer: 512 KiB pinned per pump.</summary>
    public const int ReceiveBatchSlots = 8;

    /// <summary>Upper bound of --tun-queues: a pair of pump threads per queue, so more than the cores of
    /// any node we expect would only add threads (the kernel allows 256 queues).</summary>
    public const int MaxTunQueues = 16;

    /// <summary>How often the link watchdog reads overlay0's state and routes (two ioctls and one
    /// read of /proc/net/route). Polling, not netlink: the check costs microseconds, it also catches
    /// a change that happened while no listener ran (a netlink listener must resync after every
    /// overflow anyway), and 1 s keeps a repair well inside the 10 s the fault matrix allows.</summary>
    public static readonly TimeSpan LinkCheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>Metric (priority) of the unreachable backstop route for the Network: the largest an
    /// rtentry can carry (a short, minus the kernel's +1), so any real route to the Network wins.</summary>
    public const short BackstopRouteMetric = 32766;
}
