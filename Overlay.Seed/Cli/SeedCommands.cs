using System.CommandLine;
using Overlay.Hosting.Logging;
using Overlay.Hosting.Management;
using Overlay.Hosting.Management.Client;
using static Overlay.Hosting.Management.Client.InspectionCommand;

namespace Overlay.Seed.Cli;

/// <summary>
/// overlay-seed's subcommands next to the root action: `leases list` (flannel's
/// `etcdctl get /coreos.com/network/subnets --prefix`), `members` (the cluster as this seed sees it)
/// `check-config` and `ca init|issue` (certificates for --tls-*). The first two are clients of a running seed's management endpoint.
/// </summary>
public static class SeedCommands
{
    /// <summary>Adds the subcommands to <paramref name="root"/>; output goes to <paramref name="output"/> (default stdout).</summary>
    public static void AddTo(RootCommand root, TextWriter? output = null, TextWriter? error = null)
    {
        var leases = new Command("leases", "Inspect the lease registry through a running seed");
        leases.Subcommands.Add(Create<LeasesJson>("list", "List every live lease (subnet, node, public endpoint, expiry, version)",
            "leases", LeasesTable, output: output, error: error, fullName: "leases list"));
        root.Subcommands.Add(leases);
        root.Subcommands.Add(Create<ClusterMembersResponse>("members", "List the cluster members as the seed sees them (address, status, roles)",
            "cluster/members", MembersTable, output: output, error: error));
        root.Subcommands.Add(CaCommand.Create(output));
        var check = new SeedOptions();
        root.Subcommands.Add(CheckConfigCommand.Create("overlay-seed", check.AddTo, parse => check.Bind(parse).Describe(), output));
    }

    /// <summary>GET /leases as a table, one lease per row ordered by subnet, then the registry version.</summary>
    public static string LeasesTable(LeasesJson body)
    {
        var table = new TextTable("SUBNET", "NODE", "PUBLIC-IP", "PORT", "EXPIRES", "VERSION", "MEMBER");
        foreach (var lease in body.Leases.OrderBy(l => SubnetOrder(l.Subnet)))
        {
            table.Add(lease.Subnet, lease.NodeName, lease.PublicIp, Count(lease.Port), Timestamp(lease.ExpiresAt),
                Count(lease.Version), lease.MemberAddress);
        }
        var network = body.Network is { } n ? $"network {n.Network}, " : "network not configured, ";
        return table + $"{network}{body.Leases.Count} leases, registry version {Count(body.Version)}\n";
    }

    /// <summary>GET /cluster/members as a table; the leader and the oldest member (the singleton host) are marked.</summary>
    public static string MembersTable(ClusterMembersResponse body)
    {
        var unreachable = body.Unreachable.Select(u => u.Node).ToHashSet();
        var table = new TextTable("ADDRESS", "STATUS", "ROLES", "REACHABLE", "NOTE");
        foreach (var member in body.Members)
        {
            var notes = new List<string>();
            if (member.Node == body.SelfNode) notes.Add("self");
            if (member.Node == body.Leader) notes.Add("leader");
            if (member.Node == body.Oldest) notes.Add("oldest");
            table.Add(member.Node, member.Status, string.Join(",", member.Roles),
                unreachable.Contains(member.Node) ? "no" : "yes", string.Join(",", notes));
        }
        return table.ToString();
    }

    private static string Count(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static (uint, int) SubnetOrder(string subnet)
    {
        var parts = subnet.Split('/');
        return System.Net.IPAddress.TryParse(parts[0], out var ip) && parts.Length == 2 && int.TryParse(parts[1], out var len)
            ? (System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes()), len)
            : (uint.MaxValue, 0);
    }
}
