using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;

namespace Overlay.Hosting.Management;

/// <summary>A lease as the management API shows it.</summary>
public sealed record LeaseJson(
    string Subnet, string NodeName, string PublicIp, int Port, DateTimeOffset ExpiresAt, long Version, string MemberAddress)
{
    /// <summary>The JSON form of <paramref name="lease"/>.</summary>
    public static LeaseJson From(Lease lease) =>
        new(lease.Subnet.ToString(), lease.NodeName, lease.PublicIp.ToString(), lease.Port, lease.ExpiresAt,
            lease.Version, lease.MemberAddress);
}

/// <summary>The network config as the management API shows it (flannel's key names).</summary>
public sealed record NetworkJson(string Network, int SubnetLen, string SubnetMin, string SubnetMax, string BackendType, int BackendPort)
{
    /// <summary>The JSON form of <paramref name="config"/>, or null.</summary>
    public static NetworkJson? From(NetworkConfig? config) => config is null
        ? null
        : new(config.Network.ToString(), config.SubnetLen, config.SubnetMin.NetworkAddress.ToString(),
            config.SubnetMax.NetworkAddress.ToString(), config.Backend.Type, config.Backend.Port);
}

/// <summary>GET /leases: every live lease at a registry version.</summary>
public sealed record LeasesJson(long Version, NetworkJson? Network, IReadOnlyList<LeaseJson> Leases);

/// <summary>An error reply: what was wrong, naming the input.</summary>
public sealed record ErrorJson(string Error);
