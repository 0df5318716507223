using System.CommandLine;
using System.Text.Json;
using Overlay.Hosting.Logging;
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
        leases.Subcommands.Add(Create("list", "List every live lease (subnet, node, public endpoint, expiry, version)",
            "leases", LeasesTable, output: output, error: error, fullName: "leases list"));
        root.Subcommands.Add(leases);
        root.Subcommands.Add(Create("members", "List the cluster members as the seed sees them (address, status, roles)",
            "cluster/members", MembersTable, output: output, error: error));
        root.Subcommands.Add(CaCommand.Create(output));
        var check = new SeedOptions();
        root.Subcommands.Add(CheckConfigCommand.Create("overlay-seed", check.AddTo, parse => check.Bind(parse).Describe(), output));
    }

    /// <summary>GET /leases as a table, one lease per row ordered by subnet, then the registry version.</summary>
    public static string LeasesTable(JsonElement body)
    {
        var table = new TextTable("SUBNET", "NODE", "PUBLIC-IP", "PORT", "EXPIRES", "VERSION", "MEMBER");
        foreach (var lease in body.GetProperty("leases").EnumerateArray().OrderBy(l => SubnetOrder(Text(l, "subnet"))))
        {
            table.Add(Text(lease, "subnet"), Text(lease, "nodeName"), Text(lease, "publicIp"), Text(lease, "port"),
                Timestamp(Text(lease, "expiresAt")), Text(lease, "version"), Text(lease, "memberAddress"));
        }
        var network = body.TryGetProperty("network", out var n) && n.ValueKind == JsonValueKind.Object
            ? $"network {Text(n, "network")}, "
            : "network not configured, ";
        return table + $"{network}{body.GetProperty("leases").GetArrayLength()} leases, registry version {Text(body, "version")}\n";
    }

    /// <summary>GET /cluster/members as a table; the leader and the oldest member (the singleton host) are marked.</summary>
    public static string MembersTable(JsonElement body)
    {
        var leader = Text(body, "leader");
        var oldest = Text(body, "oldest");
        var self = Text(body, "selfNode");
        var unreachable = body.TryGetProperty("unreachable", out var u)
            ? u.EnumerateArray().Select(e => Text(e, "node")).ToHashSet()
            : [];
        var table = new TextTable("ADDRESS", "STATUS", "ROLES", "REACHABLE", "NOTE");
        foreach (var member in body.GetProperty("members").EnumerateArray())
        {
            var address = Text(member, "node");
            var notes = new List<string>();
            if (address == self) notes.Add("self");
            if (address == leader) notes.Add("leader");
            if (address == oldest) notes.Add("oldest");
            table.Add(address, Text(member, "status"),
                string.Join(",", member.GetProperty("roles").EnumerateArray().Select(r => r.GetString())),
                unreachable.Contains(address) ? "no" : "yes", string.Join(",", notes));
        }
        return table.ToString();
    }

    private static string Timestamp(string text) =>
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)
            : text;

    private static (uint, int) SubnetOrder(string subnet)
    {
        var parts = subnet.Split('/');
        return System.Net.IPAddress.TryParse(parts[0], out var ip) && parts.Length == 2 && int.TryParse(parts[1], out var len)
            ? (System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes()), len)
            : (uint.MaxValue, 0);
    }
}
