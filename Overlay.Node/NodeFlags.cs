using System.Net;
using Overlay.Hosting.Cli;
using Overlay.Hosting.Cluster.Tls;
using Overlay.Hosting.Logging;
using Overlay.Hosting.Management;
using Overlay.Node.Dataplane;

namespace Overlay.Node;

/// <summary>
/// overlay-node's flags, each declared once (flannel's names where flannel has one, each with an
/// OVERLAY_* environment mirror): <see cref="NodeOptions"/> makes the options from <see cref="All"/> and
/// binds them, <see cref="NodeSettings.Describe"/> shows them, and the documentation test checks
/// docs/configuration.md and the systemd env file against them.
/// </summary>
public static class NodeFlags
{
    /// <summary>Default remoting port of a node (one above the seed's, so both fit on one host).</summary>
    public const int DefaultClusterPort = 4054;

    /// <summary>Default of --iptables-resync.</summary>
    public static readonly TimeSpan DefaultIptablesResync = TimeSpan.FromSeconds(5);

    private static readonly FlagChoice<PumpScheduling> Schedulings = new(("batch", Dataplane.PumpScheduling.Batch), ("normal", Dataplane.PumpScheduling.Normal),
        ("receive-normal", Dataplane.PumpScheduling.ReceiveNormal), ("adaptive", Dataplane.PumpScheduling.Adaptive));

    /// <summary>--seeds.</summary>
    public static readonly Flag<IReadOnlyList<string>> Seeds = new("--seeds",
        "Comma-separated seed addresses akka.ssl.tcp://overlay@host:port (akka.tcp:// is the same; the TLS setting picks the protocol)",
        ["OVERLAY_SEEDS"], [], FlagParsers.SeedAddresses, "required", show: seeds => string.Join(",", seeds));

    /// <summary>--public-ip.</summary>
    public static readonly Flag<IPAddress?> PublicIp = new("--public-ip", "Underlay address peers send to", ["OVERLAY_PUBLIC_IP"],
        null, FlagParsers.Ipv4, "address of --iface");

    /// <summary>--iface.</summary>
    public static readonly Flag<string?> Iface = new("--iface", "Underlay interface", ["OVERLAY_IFACE"],
        null, FlagParsers.Text, "interface of the default route (or of --public-ip)");

    /// <summary>--port: null follows the network config's Backend.Port, which the registry fills into the lease.</summary>
    public static readonly Flag<int?> Port = new("--port",
        "UDP port of the data path, overriding the network config's Backend.Port (flannel nodes keep sending to Backend.Port)",
        ["OVERLAY_PORT"], null, text => FlagParsers.Port(allowZero: false)(text), "Backend.Port",
        show: port => port is { } given ? $"{given} (--port overrides Backend.Port)" : "Backend.Port of the network config");

    /// <summary>--subnet-file.</summary>
    public static readonly Flag<string> SubnetFile = new("--subnet-file", "subnet.env for the CNI plugin", ["OVERLAY_SUBNET_FILE"],
        DataplaneConstants.DefaultSubnetFilePath, FlagParsers.Text);

    /// <summary>--tun-name.</summary>
    public static readonly Flag<string> TunName = new("--tun-name", $"TUN device name ({Tun.InterfaceName.Rule})", ["OVERLAY_TUN_NAME"],
        DataplaneConstants.DefaultTunName,
        text => Tun.InterfaceName.IsValid(text) ? text : throw new FlagValueException($"not a Linux interface name ({Tun.InterfaceName.Rule})"));

    /// <summary>--node-name: null is the host name.</summary>
    public static readonly Flag<string?> NodeName = new("--node-name", "Lease identity", ["OVERLAY_NODE_NAME"], null, FlagParsers.Text, "host name");

    /// <summary>--cluster-ip: null is --public-ip.</summary>
    public static readonly Flag<string?> ClusterIp = new("--cluster-ip", "Address this node advertises to the cluster", ["OVERLAY_CLUSTER_IP"],
        null, FlagParsers.Text, "--public-ip");

    /// <summary>--cluster-port.</summary>
    public static readonly Flag<int> ClusterPort = new("--cluster-port", "Remoting port", ["OVERLAY_CLUSTER_PORT"],
        DefaultClusterPort, FlagParsers.Port(allowZero: true));

    /// <summary>--source-check.</summary>
    public static readonly Flag<bool> SourceCheck = new("--source-check",
        "on: accept a datagram only from the lease holder of its inner source; off: from anyone", ["OVERLAY_SOURCE_CHECK"],
        DataplaneConstants.DefaultSourceCheck, FlagParsers.OnOff);

    /// <summary>--ip-masq ("--ip-masq" alone means true, as flannel's boolean flag).</summary>
    public static readonly Flag<bool> IpMasq = new("--ip-masq",
        "Masquerade pod traffic leaving the overlay network (iptables nat chain OVERLAY-POSTRTG, filter chain OVERLAY-FWD): true or false",
        ["OVERLAY_IP_MASQ"], false, FlagParsers.Boolean, "false", isSwitch: true);

    /// <summary>--iptables-resync.</summary>
    public static readonly Flag<TimeSpan> IptablesResync = new("--iptables-resync", "How often the --ip-masq rules are checked and restored",
        ["OVERLAY_IPTABLES_RESYNC"], DefaultIptablesResync, FlagParsers.Duration);

    /// <summary>--offload.</summary>
    public static readonly Flag<bool> Offload = new("--offload",
        "on: TUN TSO/checksum offloads and UDP GSO/GRO (falls back when the kernel refuses); off: one packet per syscall; the wire format is the same",
        ["OVERLAY_OFFLOAD"], DataplaneConstants.DefaultOffload, FlagParsers.OnOff);

    /// <summary>--tun-queues.</summary>
    public static readonly Flag<int> TunQueues = new("--tun-queues",
        "TUN queues (IFF_MULTI_QUEUE), each with its own UDP socket on the data path's port (SO_REUSEPORT) and its own pair of pump threads; "
        + $"the kernel keeps each flow on one queue. More than 1 only pays on nodes with many cores and many peers (1..{DataplaneConstants.MaxTunQueues})",
        ["OVERLAY_TUN_QUEUES"], DataplaneConstants.DefaultTunQueues, FlagParsers.Integer(1, DataplaneConstants.MaxTunQueues));

    /// <summary>--pump-scheduling.</summary>
    public static readonly Flag<PumpScheduling> PumpScheduling = new("--pump-scheduling",
        "Scheduling policy of the pump threads: batch (SCHED_BATCH: a pump woken by a packet does not preempt the task on its CPU; "
        + "more throughput, up to a scheduler slice of extra latency on a saturated CPU), normal (SCHED_OTHER), "
        + "receive-normal (TUN-to-UDP pumps batch, UDP-to-TUN pumps normal, so received bursts reach applications sooner) "
        + "or adaptive (as receive-normal while receive calls return bursts, batch otherwise)",
        ["OVERLAY_PUMP_SCHEDULING"], DataplaneConstants.DefaultPumpScheduling, Schedulings.Parse, show: Schedulings.Show);

    /// <summary>--registry-lost-after.</summary>
    public static readonly Flag<TimeSpan> RegistryLostAfter = new("--registry-lost-after",
        "How long this node may be Up in a cluster with no registry member before it ends that control-plane incarnation "
        + "and joins through --seeds again; the data path keeps running",
        ["OVERLAY_REGISTRY_LOST_AFTER"], Agent.ControlPlaneConstants.RegistryLostAfter, FlagParsers.Duration);

    /// <summary>--mtu: null is the --iface MTU - 28. Its upper bound depends on --iface, so
    /// <see cref="NodeOptions.Bind"/> reads it with that bound; alone it takes any MTU an IPv4 packet can have.</summary>
    public static readonly Flag<int?> Mtu = new("--mtu",
        $"TUN MTU, written to subnet.env as FLANNEL_MTU; at least {DataplaneConstants.MinTunMtu} and at most the --iface MTU - "
        + $"{DataplaneConstants.EncapOverhead}",
        ["OVERLAY_MTU"], null, text => FlagParsers.Integer(DataplaneConstants.MinTunMtu, ushort.MaxValue)(text),
        $"--iface MTU - {DataplaneConstants.EncapOverhead}");

    /// <summary>Every flag of overlay-node in help order, the shared ones (management, TLS, logging) last.</summary>
    public static readonly IReadOnlyList<Flag> All =
    [
        Seeds, PublicIp, Iface, Port, SubnetFile, TunName, NodeName, ClusterIp, ClusterPort,
        ManagementSettings.HostFlag, ManagementSettings.PortFlag, SourceCheck, IpMasq, IptablesResync,
        Offload, TunQueues, PumpScheduling, RegistryLostAfter, Mtu,
        ManagementTokenOption.TokenFile, .. ClusterTlsOptions.All, .. LoggingOptions.All,
    ];
}
