using System.CommandLine;
using System.Text.Json;
using Overlay.Hosting.Logging;
using Overlay.Hosting.Management.Client;
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
        show.Subcommands.Add(Create("lease", "This node's lease: subnet, public endpoint, expiry, version", "lease",
            LeaseTable, output: output, error: error, fullName: "show lease"));
        show.Subcommands.Add(Create("peers", "Peer routes with traffic counters, and drops by reason", "routes",
            PeersTable, output: output, error: error, fullName: "show peers"));
        root.Subcommands.Add(show);
        var check = new NodeOptions();
        root.Subcommands.Add(CheckConfigCommand.Create("overlay-node", check.AddTo,
            parse => check.Bind(parse, new OsUnderlayProbe()).Describe(), output));
    }

    /// <summary>GET /lease as "key: value" lines, the way `wg show` prints an interface.</summary>
    public static string LeaseTable(JsonElement lease)
    {
        var expires = Text(lease, "expiresAt");
        var remaining = DateTimeOffset.TryParse(expires, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? $" ({Humanize(at - DateTimeOffset.UtcNow)})"
            : "";
        var rows = new (string, string)[]
        {
            ("subnet", Text(lease, "subnet")),
            ("node", Text(lease, "nodeName")),
            ("public endpoint", $"{Text(lease, "publicIp")}:{Text(lease, "port")}"),
            ("expires", $"{Timestamp(expires)}{remaining}"),
            ("version", Text(lease, "version")),
            ("member", Text(lease, "memberAddress")),
        };
        return string.Concat(rows.Select(r => $"{(r.Item1 + ":").PadRight(17)}{r.Item2}\n"));
    }

    /// <summary>GET /routes as a peer table, then the local side and non-zero drops.</summary>
    public static string PeersTable(JsonElement routes)
    {
        var table = new TextTable("PEER-SUBNET", "NODE", "ENDPOINT", "INSTALLED", "TX-PACKETS", "TX-BYTES", "RX-PACKETS", "RX-BYTES");
        foreach (var peer in routes.GetProperty("peers").EnumerateArray())
        {
            table.Add(Text(peer, "subnet"), Text(peer, "nodeName"), Text(peer, "endpoint"),
                peer.TryGetProperty("installed", out var i) && i.ValueKind == JsonValueKind.True ? "yes" : "no",
                Text(peer, "txPackets"), Bytes(peer, "txBytes"), Text(peer, "rxPackets"), Bytes(peer, "rxBytes"));
        }
        var local = Text(routes, "local");
        var device = Text(routes, "device");
        var summary = $"local {(local.Length == 0 ? "(no lease)" : local)} in {Text(routes, "network")}, device {(device.Length == 0 ? "(none)" : device)}"
                      + (Text(routes, "mtu") is { Length: > 0 } mtu ? $" mtu {mtu}" : "")
                      + $", data path {(routes.TryGetProperty("running", out var r) && r.ValueKind == JsonValueKind.True ? "running" : "stopped")}\n";
        var drops = routes.TryGetProperty("drops", out var d) && d.ValueKind == JsonValueKind.Object
            ? d.EnumerateObject().Where(p => p.Value.TryGetInt64(out var n) && n > 0).Select(p => $"{p.Name}={p.Value}").ToList()
            : [];
        return table + summary + $"drops: {(drops.Count == 0 ? "none" : string.Join(" ", drops))}\n";
    }

    private static string Bytes(JsonElement element, string property) =>
        element.TryGetProperty(property, out var v) && v.TryGetInt64(out var bytes) ? HumanBytes(bytes) : "";

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

    private static string Timestamp(string text) =>
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)
            : text;
}
