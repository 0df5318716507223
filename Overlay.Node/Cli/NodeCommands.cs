using System.CommandLine;
using Overlay.Hosting.Logging;
using Overlay.Hosting.Management;
using Overlay.Hosting.Management.Client;
using Overlay.Node.Management;
using Overlay.Node.Underlay;
using static Overlay.Hosting.Management.Client.InspectionCommand;

namespace Overlay.Node.Cli;

/// <summary>
/// overlay-node's subcommands next to the root action, `wg show`-like: `show lease` (this node's
/// lease), `show peers` (the forwarding table with per-peer counters and the drops) and
/// `check-config`. The first two are clients of a running node's management endpoint.
/// </summary>
public static class NodeCommands
{
    /// <summary>Adds the subcommands to <paramref name="root"/>; output goes to <paramref name="output"/> (default stdout).</summary>
    public static void AddTo(RootCommand root, TextWriter? output = null, TextWriter? error = null)
    {
        var show = new Command("show", "Inspect a running node through its management endpoint");
        show.Subcommands.Add(Create<LeaseJson>("lease", "This node's lease: subnet, public endpoint, expiry, version", "lease",
            LeaseTable, output: output, error: error, fullName: "show lease"));
        show.Subcommands.Add(Create<RoutesJson>("peers", "Peer routes with traffic counters, and drops by reason", "routes",
            PeersTable, output: output, error: error, fullName: "show peers"));
        root.Subcommands.Add(show);
        var check = new NodeOptions();
        root.Subcommands.Add(CheckConfigCommand.Create("overlay-node", check.AddTo,
            parse => check.Bind(parse, new OsUnderlayProbe()).Describe(), output));
    }

    /// <summary>GET /lease as "key: value" lines, the way `wg show` prints an interface.</summary>
    public static string LeaseTable(LeaseJson lease)
    {
        var rows = new (string, string)[]
        {
            ("subnet", lease.Subnet),
            ("node", lease.NodeName),
            ("public endpoint", $"{lease.PublicIp}:{lease.Port}"),
            ("expires", $"{Timestamp(lease.ExpiresAt)} ({Humanize(lease.ExpiresAt - DateTimeOffset.UtcNow)})"),
            ("version", lease.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("member", lease.MemberAddress),
        };
        return string.Concat(rows.Select(r => $"{(r.Item1 + ":").PadRight(17)}{r.Item2}\n"));
    }

    /// <summary>GET /routes as a peer table, then the local side and non-zero drops.</summary>
    public static string PeersTable(RoutesJson routes)
    {
        var table = new TextTable("PEER-SUBNET", "NODE", "ENDPOINT", "INSTALLED", "TX-PACKETS", "TX-BYTES", "RX-PACKETS", "RX-BYTES");
        foreach (var peer in routes.Peers)
        {
            table.Add(peer.Subnet, peer.NodeName, peer.Endpoint, peer.Installed ? "yes" : "no",
                Count(peer.TxPackets), HumanBytes(peer.TxBytes), Count(peer.RxPackets), HumanBytes(peer.RxBytes));
        }
        var summary = $"local {routes.Local ?? "(no lease)"} in {routes.Network}, device {routes.Device ?? "(none)"}"
                      + (routes.Mtu is { } mtu ? $" mtu {Count(mtu)}" : "")
                      + $", data path {(routes.Running ? "running" : "stopped")}\n";
        var drops = routes.Drops.Where(d => d.Value > 0).Select(d => $"{d.Key}={Count(d.Value)}").ToList();
        return table + summary + $"drops: {(drops.Count == 0 ? "none" : string.Join(" ", drops))}\n";
    }

    private static string Count(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>"0 B", "1.50 KiB", "2.00 MiB": binary units with two decimals, as `wg show` prints transfer.</summary>
    public static string HumanBytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + " " + units[unit];
    }

    private static string Humanize(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
            return "expired";
        return span.TotalHours >= 1 ? $"in {(int)span.TotalHours}h{span.Minutes:00}m" : $"in {span.Minutes}m{span.Seconds:00}s";
    }
}
