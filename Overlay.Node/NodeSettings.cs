using System.CommandLine;
using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Hosting.Cli;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Cluster.Tls;
using Overlay.Hosting.Logging;
using Overlay.Hosting.Management;
using Overlay.Hosting.Metrics;

namespace Overlay.Node;

/// <summary>Everything overlay-node runs with, after flags and environment were read and
/// validated. Built only by <see cref="NodeOptions.Bind"/>.</summary>
/// <param name="Cluster">Cluster membership (role "node").</param>
/// <param name="NodeName">Lease identity (default: host name).</param>
/// <param name="PublicIp">Underlay address peers send to.</param>
/// <param name="Interface">Underlay interface (its MTU sets the TUN MTU).</param>
/// <param name="UnderlayMtu">MTU of <paramref name="Interface"/>.</param>
/// <param name="Port">UDP port given by --port, overriding the network config's Backend.Port; null (the
/// default) follows Backend.Port, as flannel does. Either way the lease records the port bound.</param>
/// <param name="SubnetFile">subnet.env path.</param>
/// <param name="TunName">TUN device name.</param>
/// <param name="RequestedSubnet">FLANNEL_SUBNET of the existing subnet.env, asked for first.</param>
/// <param name="Management">Management HTTP endpoint.</param>
/// <param name="SourceCheck">Drop datagrams whose outer source is not the inner source's lease holder.</param>
/// <param name="Offload">Use TUN TSO/checksum offloads and UDP GSO/GRO (same wire format).</param>
/// <param name="IpMasq">Masquerade pod traffic leaving the overlay (flannel's --ip-masq).</param>
/// <param name="IptablesResync">How often the --ip-masq rules are checked and restored.</param>
/// <param name="Log">Console log format and level.</param>
/// <param name="TunQueues">TUN queues, each with its own UDP socket (SO_REUSEPORT) and pump pair.</param>
/// <param name="PumpScheduling">Scheduling policy of the pump threads.</param>
/// <param name="RegistryLostAfter">How long a control-plane incarnation may be Up in a cluster without a
/// registry member before it is ended and a fresh one joins through the seeds (island healing).</param>
/// <param name="TunMtu">--mtu: the TUN MTU when set (at most <paramref name="UnderlayMtu"/> - 28); null: that computed MTU.</param>
public sealed record NodeSettings(
    ClusterSettings Cluster,
    string NodeName,
    IPAddress PublicIp,
    string Interface,
    int UnderlayMtu,
    int? Port,
    string SubnetFile,
    string TunName,
    Ipv4Subnet? RequestedSubnet,
    ManagementSettings Management,
    bool SourceCheck,
    bool IpMasq,
    TimeSpan IptablesResync,
    LogSettings Log,
    bool Offload = true,
    int TunQueues = 1,
    Dataplane.PumpScheduling PumpScheduling = Dataplane.PumpScheduling.Batch,
    TimeSpan? RegistryLostAfter = null,
    int? TunMtu = null)
{
    /// <summary><see cref="RegistryLostAfter"/> with its default applied.</summary>
    public TimeSpan EffectiveRegistryLostAfter => RegistryLostAfter ?? Agent.ControlPlaneConstants.RegistryLostAfter;

    /// <summary>Every effective setting, redacted (no token): the start log line and `check-config` print exactly this.</summary>
    public EffectiveSettings Describe() => new EffectiveSettings()
        .Add("version", BuildInfo.Version)
        .Add("node-name", NodeName)
        .Add("cluster-address", Cluster.SelfAddress)
        .Add("cluster-bind", Cluster.BindHost)
        .Add("cluster-tls", Cluster.Tls?.Describe() ?? "off (--insecure-cluster)")
        .Add("seeds", string.Join(",", Cluster.Seeds))
        .Add("public-ip", PublicIp)
        .Add("port", Port is { } port ? $"{port} (--port overrides Backend.Port)" : "Backend.Port of the network config")
        .Add("iface", $"{Interface} (MTU {UnderlayMtu})")
        .Add("tun-name", TunName)
        .Add("mtu", TunMtu is { } tunMtu ? $"{tunMtu}" : $"{UnderlayMtu - Dataplane.DataplaneConstants.EncapOverhead} (underlay MTU - {Dataplane.DataplaneConstants.EncapOverhead})")
        .Add("subnet-file", SubnetFile)
        .Add("requested-subnet", RequestedSubnet)
        .Add("source-check", SourceCheck)
        .Add("offload", Offload)
        .Add("tun-queues", TunQueues)
        .Add("pump-scheduling", PumpScheduling == Dataplane.PumpScheduling.Batch ? "batch" : "normal")
        .Add("ip-masq", IpMasq)
        .Add("iptables-resync", IptablesResync)
        .Add("registry-lost-after", EffectiveRegistryLostAfter)
        .Add("management", Management.Describe())
        .Add("log", $"{Log.FormatName} at {Log.LevelName}");
}

/// <summary>overlay-node's flags, flannel's names where flannel has one; each has an
/// OVERLAY_* environment mirror.</summary>
public sealed class NodeOptions
{
    /// <summary>Default remoting port of a node (one above the seed's, so both fit on one host).</summary>
    public const int DefaultClusterPort = 4054;

    /// <summary>Default of --iptables-resync.</summary>
    public static readonly TimeSpan DefaultIptablesResync = TimeSpan.FromSeconds(5);

    /// <summary>--seeds.</summary>
    public FlagOption Seeds { get; } = new("--seeds",
        "Comma-separated seed addresses akka.ssl.tcp://overlay@host:port (akka.tcp:// is the same; the TLS setting picks the protocol)",
        ["OVERLAY_SEEDS"], "required");
    /// <summary>--public-ip.</summary>
    public FlagOption PublicIp { get; } = new("--public-ip", "Underlay address peers send to", ["OVERLAY_PUBLIC_IP"], "address of --iface");
    /// <summary>--iface.</summary>
    public FlagOption Iface { get; } = new("--iface", "Underlay interface", ["OVERLAY_IFACE"],
        "interface of the default route (or of --public-ip)");
    /// <summary>--port.</summary>
    public FlagOption Port { get; } = new("--port",
        "UDP port of the data path, overriding the network config's Backend.Port (flannel nodes keep sending to Backend.Port)",
        ["OVERLAY_PORT"], "Backend.Port");
    /// <summary>--subnet-file.</summary>
    public FlagOption SubnetFile { get; } = new("--subnet-file", "subnet.env for the CNI plugin", ["OVERLAY_SUBNET_FILE"],
        Dataplane.DataplaneConstants.DefaultSubnetFilePath);
    /// <summary>--tun-name.</summary>
    public FlagOption TunName { get; } = new("--tun-name", $"TUN device name ({Tun.InterfaceName.Rule})", ["OVERLAY_TUN_NAME"],
        Dataplane.DataplaneConstants.DefaultTunName);
    /// <summary>--node-name.</summary>
    public FlagOption NodeName { get; } = new("--node-name", "Lease identity", ["OVERLAY_NODE_NAME"], "host name");
    /// <summary>--cluster-ip.</summary>
    public FlagOption ClusterIp { get; } = new("--cluster-ip", "Address this node advertises to the cluster", ["OVERLAY_CLUSTER_IP"], "--public-ip");
    /// <summary>--cluster-port.</summary>
    public FlagOption ClusterPort { get; } = new("--cluster-port", "Remoting port", ["OVERLAY_CLUSTER_PORT"],
        DefaultClusterPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
    /// <summary>--management-host.</summary>
    public FlagOption ManagementHost { get; } = ManagementSettings.HostFlag();
    /// <summary>--management-port.</summary>
    public FlagOption ManagementPort { get; } = ManagementSettings.PortFlag();
    /// <summary>--source-check.</summary>
    public FlagOption SourceCheck { get; } = new("--source-check",
        "on: accept a datagram only from the lease holder of its inner source; off: from anyone", ["OVERLAY_SOURCE_CHECK"], "on");
    /// <summary>--ip-masq.</summary>
    public FlagOption IpMasq { get; } = new("--ip-masq",
        "Masquerade pod traffic leaving the overlay network (iptables nat chain OVERLAY-POSTRTG, filter chain OVERLAY-FWD): true or false",
        ["OVERLAY_IP_MASQ"], "false") { Arity = ArgumentArity.ZeroOrOne };
    /// <summary>--iptables-resync.</summary>
    public FlagOption IptablesResync { get; } = new("--iptables-resync", "How often the --ip-masq rules are checked and restored",
        ["OVERLAY_IPTABLES_RESYNC"], EffectiveSettings.FormatDuration(DefaultIptablesResync));
    /// <summary>--management-token-file.</summary>
    public ManagementTokenOption ManagementToken { get; } = new();
    /// <summary>--tls-cert, --tls-key, --tls-ca and --insecure-cluster.</summary>
    public ClusterTlsOptions Tls { get; } = new();
    /// <summary>--log-format and --log-level.</summary>
    public LoggingOptions Logging { get; } = new();

    /// <summary>--offload.</summary>
    public FlagOption Offload { get; } = new("--offload",
        "on: TUN TSO/checksum offloads and UDP GSO/GRO (falls back when the kernel refuses); off: one packet per syscall; the wire format is the same",
        ["OVERLAY_OFFLOAD"], "on");

    /// <summary>--tun-queues.</summary>
    public FlagOption TunQueues { get; } = new("--tun-queues",
        "TUN queues (IFF_MULTI_QUEUE), each with its own UDP socket on the data path's port (SO_REUSEPORT) and its own pair of pump threads; "
        + $"the kernel keeps each flow on one queue. More than 1 only pays on nodes with many cores and many peers (1..{Dataplane.DataplaneConstants.MaxTunQueues})",
        ["OVERLAY_TUN_QUEUES"], "1");

    /// <summary>--pump-scheduling.</summary>
    public FlagOption PumpScheduling { get; } = new("--pump-scheduling",
        "Scheduling policy of the pump threads: batch (SCHED_BATCH: a pump woken by a packet does not preempt the task on its CPU; "
        + "more throughput, up to a scheduler slice of extra latency on a saturated CPU) or normal (SCHED_OTHER)",
        ["OVERLAY_PUMP_SCHEDULING"], "batch");

    /// <summary>--registry-lost-after.</summary>
    public FlagOption RegistryLostAfter { get; } = new("--registry-lost-after",
        "How long this node may be Up in a cluster with no registry member before it ends that control-plane incarnation "
        + "and joins through --seeds again; the data path keeps running",
        ["OVERLAY_REGISTRY_LOST_AFTER"], EffectiveSettings.FormatDuration(Agent.ControlPlaneConstants.RegistryLostAfter));

    /// <summary>--mtu.</summary>
    public FlagOption Mtu { get; } = new("--mtu",
        $"TUN MTU, written to subnet.env as FLANNEL_MTU; at least {Dataplane.DataplaneConstants.MinTunMtu} and at most the --iface MTU - "
        + $"{Dataplane.DataplaneConstants.EncapOverhead}",
        ["OVERLAY_MTU"], $"--iface MTU - {Dataplane.DataplaneConstants.EncapOverhead}");

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new[] { Seeds, PublicIp, Iface, Port, SubnetFile, TunName, NodeName, ClusterIp, ClusterPort,
                     ManagementHost, ManagementPort, SourceCheck, IpMasq, IptablesResync })
            command.Options.Add(option);
        command.Options.Add(Offload);
        command.Options.Add(TunQueues);
        command.Options.Add(PumpScheduling);
        command.Options.Add(RegistryLostAfter);
        command.Options.Add(Mtu);
        ManagementToken.AddTo(command);
        Tls.AddTo(command);
        Logging.AddTo(command);
    }

    /// <summary>Reads and validates the settings; throws <see cref="SettingsException"/> naming the bad value.
    /// <paramref name="underlay"/> answers interface questions (the real one reads the OS).</summary>
    public NodeSettings Bind(ParseResult result, IUnderlayProbe underlay, Func<string, string?>? environment = null)
    {
        var flags = new FlagReader(result, environment);
        var seeds = flags.SeedAddresses(Seeds);
        if (seeds.Count == 0)
            throw new SettingsException("--seeds: at least one seed address akka.tcp://overlay@host:port is required");

        var publicIp = flags.Ipv4(PublicIp);
        var iface = flags.OptionalString(Iface);
        if (iface is null)
            iface = publicIp is not null ? underlay.InterfaceOf(publicIp) : underlay.DefaultRouteInterface();
        publicIp ??= underlay.AddressOf(iface);
        var mtu = underlay.MtuOf(iface);
        var tunMtu = TunMtuOf(flags, iface, mtu);

        var subnetFile = flags.String(SubnetFile, Dataplane.DataplaneConstants.DefaultSubnetFilePath);
        var (tunNameGiven, tunNameSource) = flags.Raw(TunName);
        var tunName = tunNameGiven ?? Dataplane.DataplaneConstants.DefaultTunName;
        if (!Tun.InterfaceName.IsValid(tunName))
            throw new SettingsException($"{tunNameSource}: not a Linux interface name ({Tun.InterfaceName.Rule}): '{tunName}'");
        var nodeName = flags.String(NodeName, Dns.GetHostName());
        var clusterHost = flags.String(ClusterIp, publicIp.ToString());
        var clusterPort = flags.Port(ClusterPort, DefaultClusterPort, allowZero: true);
        // Unset follows the network config's Backend.Port, which the registry fills into the lease.
        int? port = flags.Raw(Port).Value is null ? null : flags.Port(Port, 0, allowZero: false);
        var sourceCheck = flags.Choice(SourceCheck, "on", ["on", "off"]) == "on";
        var management = ManagementSettings.Bind(flags, ManagementHost, ManagementPort);
        management = ManagementToken.Apply(management, flags, environment);
        // "--ip-masq" alone means true, as flannel's boolean flag.
        var ipMasq = result.GetResult(IpMasq) is { Implicit: false } given && given.Tokens.Count == 0
            || flags.Choice(IpMasq, "false", ["true", "false", "on", "off", "1", "0"]) is "true" or "on" or "1";
        var resync = flags.Duration(IptablesResync, DefaultIptablesResync);
        var tls = Tls.Bind(result, flags);
        var cluster = new ClusterSettings(clusterHost, clusterPort, [], [ClusterRoles.Node],
            ClusterSettings.ChooseBindHost(clusterHost, underlay.LocalAddresses()), tls);
        cluster = cluster with { Seeds = ClusterSettings.NormalizeSeeds(seeds, cluster.Protocol) };
        return new NodeSettings(cluster, nodeName, publicIp, iface, mtu, port, subnetFile, tunName,
            underlay.ReadRequestedSubnet(subnetFile), management, sourceCheck, ipMasq, resync, Logging.Bind(flags),
            Offload: flags.Choice(Offload, "on", ["on", "off"]) == "on",
            TunQueues: flags.Integer(TunQueues, 1, 1, Dataplane.DataplaneConstants.MaxTunQueues),
            PumpScheduling: flags.Choice(PumpScheduling, "batch", ["batch", "normal"]) == "batch"
                ? Dataplane.PumpScheduling.Batch : Dataplane.PumpScheduling.Normal,
            RegistryLostAfter: flags.Duration(RegistryLostAfter, Agent.ControlPlaneConstants.RegistryLostAfter),
            TunMtu: tunMtu);
    }

    /// <summary>--mtu / OVERLAY_MTU: below the MTU the underlay allows (flannel#1011) is fine; above it an
    /// encapsulated full-size packet would not fit one underlay frame, so it is refused naming both values.</summary>
    private int? TunMtuOf(FlagReader flags, string iface, int underlayMtu)
    {
        var (value, source) = flags.Raw(Mtu);
        if (value is null)
            return null;
        var computed = underlayMtu - Dataplane.DataplaneConstants.EncapOverhead;
        if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var requested)
            || requested < Dataplane.DataplaneConstants.MinTunMtu)
            throw new SettingsException($"{source}: not a whole number from {Dataplane.DataplaneConstants.MinTunMtu} to {computed}: '{value}'");
        if (requested > computed)
            throw new SettingsException(
                $"{source}: {requested} is above the MTU the underlay allows, {computed} ({iface} MTU {underlayMtu} - {Dataplane.DataplaneConstants.EncapOverhead} for the outer IPv4 and UDP headers)");
        return requested;
    }
}

/// <summary>What <see cref="NodeOptions.Bind"/> needs to know about the host's interfaces and
/// files; the OS implementation reads /proc and /sys, tests give fixed answers.</summary>
public interface IUnderlayProbe
{
    /// <summary>The interface of the IPv4 default route; throws <see cref="SettingsException"/> when there is none.</summary>
    string DefaultRouteInterface();
    /// <summary>The interface that holds <paramref name="address"/>.</summary>
    string InterfaceOf(IPAddress address);
    /// <summary>The first IPv4 address of <paramref name="iface"/>.</summary>
    IPAddress AddressOf(string iface);
    /// <summary>The MTU of <paramref name="iface"/>.</summary>
    int MtuOf(string iface);
    /// <summary>FLANNEL_SUBNET of an existing subnet.env, or null.</summary>
    Ipv4Subnet? ReadRequestedSubnet(string path);
    /// <summary>The addresses of this host's interfaces: remoting binds the cluster address when it
    /// is one of them (see <see cref="ClusterSettings.ChooseBindHost"/>). Default: the OS's.</summary>
    IReadOnlyList<IPAddress> LocalAddresses() => ClusterSettings.LocalAddresses();
}
