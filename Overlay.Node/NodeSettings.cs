using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Hosting.Cli;
using Overlay.Hosting.Cluster;
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
    bool Offload = Dataplane.DataplaneConstants.DefaultOffload,
    int TunQueues = Dataplane.DataplaneConstants.DefaultTunQueues,
    Dataplane.PumpScheduling PumpScheduling = Dataplane.DataplaneConstants.DefaultPumpScheduling,
    TimeSpan? RegistryLostAfter = null,
    int? TunMtu = null)
{
    /// <summary><see cref="RegistryLostAfter"/> with its default applied.</summary>
    public TimeSpan EffectiveRegistryLostAfter => RegistryLostAfter ?? Agent.ControlPlaneConstants.RegistryLostAfter;

    /// <summary>Every effective setting, redacted (no token): the start log line and `check-config` print exactly
    /// this. A flag's item is its bound value as its <see cref="NodeFlags"/> declaration shows it.</summary>
    public EffectiveSettings Describe() => new EffectiveSettings()
        .Add("version", BuildInfo.Version)
        .Add(NodeFlags.NodeName, NodeName)
        .Add("cluster-address", Cluster.SelfAddress)
        .Add("cluster-bind", Cluster.BindHost)
        .Add("cluster-tls", Cluster.Tls?.Describe() ?? "off (--insecure-cluster)")
        .Add(NodeFlags.Seeds, Cluster.Seeds)
        .Add(NodeFlags.PublicIp, PublicIp)
        .Add(NodeFlags.Port, Port)
        .AddShown(NodeFlags.Iface, $"{Interface} (MTU {UnderlayMtu})")
        .Add(NodeFlags.TunName, TunName)
        .AddShown(NodeFlags.Mtu, TunMtu is { } tunMtu ? $"{tunMtu}" : $"{UnderlayMtu - Dataplane.DataplaneConstants.EncapOverhead} (underlay MTU - {Dataplane.DataplaneConstants.EncapOverhead})")
        .Add(NodeFlags.SubnetFile, SubnetFile)
        .Add("requested-subnet", RequestedSubnet)
        .Add(NodeFlags.SourceCheck, SourceCheck)
        .Add(NodeFlags.Offload, Offload)
        .Add(NodeFlags.TunQueues, TunQueues)
        .Add(NodeFlags.PumpScheduling, PumpScheduling)
        .Add(NodeFlags.IpMasq, IpMasq)
        .Add(NodeFlags.IptablesResync, IptablesResync)
        .Add(NodeFlags.RegistryLostAfter, EffectiveRegistryLostAfter)
        .Add("management", Management.Describe())
        .Add("log", $"{Log.FormatName} at {Log.LevelName}");
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
