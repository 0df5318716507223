using Overlay.Actors.Addressing;

namespace Overlay.Actors.Configuration;

/// <summary>
/// The cluster-wide network configuration: flannel's net-conf.json after defaults and validation.
/// Instances are only made by <see cref="NetworkConfigParser"/> or from already-validated persisted
/// state, so every instance satisfies flannel's rules plus SubnetMin &lt;= SubnetMax.
/// </summary>
/// <param name="Network">The whole overlay network, e.g. 10.244.0.0/16.</param>
/// <param name="SubnetLen">The prefix length of each host's subnet.</param>
/// <param name="SubnetMin">The lowest subnet handed out (default: the second subnet).</param>
/// <param name="SubnetMax">The highest subnet handed out (default: the last subnet).</param>
/// <param name="Backend">The backend: type "udp" and its port.</param>
public sealed record NetworkConfig(
    Ipv4Subnet Network,
    int SubnetLen,
    Ipv4Subnet SubnetMin,
    Ipv4Subnet SubnetMax,
    BackendConfig Backend)
{
    /// <summary>How many subnets SubnetMin..SubnetMax holds.</summary>
    public long SubnetCount => ((long)SubnetMax.Network - SubnetMin.Network >> (32 - SubnetLen)) + 1;

    /// <summary>True when <paramref name="subnet"/> is a subnet this config can hand out.</summary>
    public bool Admits(Ipv4Subnet subnet) =>
        subnet.PrefixLength == SubnetLen && subnet.Network >= SubnetMin.Network && subnet.Network <= SubnetMax.Network;

    /// <summary>The config in net-conf.json's terms, for log lines and readiness messages:
    /// "{Network 10.244.0.0/16, SubnetLen 24, SubnetMin 10.244.1.0, SubnetMax 10.244.255.0, Backend udp 8285}".</summary>
    public string Describe() =>
        $"{{Network {Network}, SubnetLen {SubnetLen}, SubnetMin {SubnetMin.NetworkAddress}, SubnetMax {SubnetMax.NetworkAddress}, " +
        $"Backend {Backend.Type} {Backend.Port}}}";
}

/// <summary>The Backend object of net-conf.json. Only "udp" is known.</summary>
/// <param name="Type">Backend type, lower case.</param>
/// <param name="Port">UDP port every node listens on and sends to (flannel: 8285).</param>
public sealed record BackendConfig(string Type, int Port);

/// <summary>A net-conf.json that cannot be used; the message names the key and the value.</summary>
public sealed class NetworkConfigException(string message) : Exception(message);
