using System.CommandLine;
using System.Globalization;
using System.Net;
using Overlay.Hosting.Cli;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Cluster.Tls;
using Overlay.Hosting.Logging;
using Overlay.Hosting.Management;
using Overlay.Node.Dataplane;

namespace Overlay.Node;

/// <summary>overlay-node's options: one per <see cref="NodeFlags"/> declaration, and their binding into
/// <see cref="NodeSettings"/>, where the defaults that depend on the host (interface, address, MTU,
/// host name) are worked out.</summary>
public sealed class NodeOptions
{
    private readonly ManagementTokenOption _managementToken = new();
    private readonly ClusterTlsOptions _tls = new();

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command) => Flag.AddTo(command, NodeFlags.All);

    /// <summary>Reads and validates the settings; throws <see cref="SettingsException"/> naming the bad value.
    /// <paramref name="underlay"/> answers interface questions (the real one reads the OS).</summary>
    public NodeSettings Bind(ParseResult result, IUnderlayProbe underlay, Func<string, string?>? environment = null)
    {
        var flags = new FlagReader(result, environment);
        var seeds = flags.Read(NodeFlags.Seeds);
        if (seeds.Count == 0)
            throw new SettingsException("--seeds: at least one seed address akka.tcp://overlay@host:port is required");

        var publicIp = flags.Read(NodeFlags.PublicIp);
        var iface = flags.Read(NodeFlags.Iface)
                    ?? (publicIp is not null ? underlay.InterfaceOf(publicIp) : underlay.DefaultRouteInterface());
        publicIp ??= underlay.AddressOf(iface);
        var mtu = underlay.MtuOf(iface);
        var subnetFile = flags.Read(NodeFlags.SubnetFile);
        var clusterHost = flags.Read(NodeFlags.ClusterIp) ?? publicIp.ToString();
        var management = _managementToken.Apply(ManagementSettings.Bind(flags), flags, environment);
        var tls = _tls.Bind(flags);
        var cluster = new ClusterSettings(clusterHost, flags.Read(NodeFlags.ClusterPort), [], [ClusterRoles.Node],
            ClusterSettings.ChooseBindHost(clusterHost, underlay.LocalAddresses()), tls);
        cluster = cluster with { Seeds = ClusterSettings.NormalizeSeeds(seeds, cluster.Protocol) };
        return new NodeSettings(cluster, flags.Read(NodeFlags.NodeName) ?? Dns.GetHostName(), publicIp, iface, mtu,
            flags.Read(NodeFlags.Port), subnetFile, flags.Read(NodeFlags.TunName), underlay.ReadRequestedSubnet(subnetFile), management,
            flags.Read(NodeFlags.SourceCheck), flags.Read(NodeFlags.IpMasq), flags.Read(NodeFlags.IptablesResync), LoggingOptions.Bind(flags),
            Offload: flags.Read(NodeFlags.Offload),
            TunQueues: flags.Read(NodeFlags.TunQueues),
            PumpScheduling: flags.Read(NodeFlags.PumpScheduling),
            RegistryLostAfter: flags.Read(NodeFlags.RegistryLostAfter),
            TunMtu: TunMtuOf(flags, iface, mtu));
    }

    /// <summary>--mtu / OVERLAY_MTU: below the MTU the underlay allows (flannel#1011) is fine; above it an
    /// encapsulated full-size packet would not fit one underlay frame, so it is refused naming both values.</summary>
    private static int? TunMtuOf(FlagReader flags, string iface, int underlayMtu)
    {
        var computed = underlayMtu - DataplaneConstants.EncapOverhead;
        var requested = flags.Read(NodeFlags.Mtu, text =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var mtu) && mtu >= DataplaneConstants.MinTunMtu
                ? mtu
                : throw new FlagValueException($"not a whole number from {DataplaneConstants.MinTunMtu} to {computed}"));
        if (requested > computed)
            throw new SettingsException(
                $"{flags.Raw(NodeFlags.Mtu).Source}: {requested} is above the MTU the underlay allows, {computed} ({iface} MTU {underlayMtu} - {DataplaneConstants.EncapOverhead} for the outer IPv4 and UDP headers)");
        return requested;
    }
}
