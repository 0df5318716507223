using System.Text.Json;

namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>Reads the kernel's own counters inside a namespace, to check the node's claims
/// against what the kernel saw. Stateless and thread-safe.</summary>
public static class KernelCounters
{
    /// <summary>RX packets of <paramref name="device"/> in <paramref name="ns"/> (for a TUN: what
    /// the userspace program wrote into it).</summary>
    public static async Task<long> RxPacketsAsync(string ns, string device)
    {
        var result = (await CommandRunner.RunAsync("ip", ["-n", ns, "-j", "-s", "link", "show", "dev", device])).EnsureSuccess();
        using var json = JsonDocument.Parse(result.Stdout);
        return json.RootElement[0].GetProperty("stats64").GetProperty("rx").GetProperty("packets").GetInt64();
    }

    /// <summary>TX bytes, packets and drops and RX drops of <paramref name="device"/> in
    /// <paramref name="ns"/> (for a TUN: TX is what the kernel handed the userspace reader, TX dropped
    /// what it dropped because the TUN's ring was full).</summary>
    public static async Task<LinkCounters> LinkAsync(string ns, string device)
    {
        var result = (await CommandRunner.RunAsync("ip", ["-n", ns, "-j", "-s", "link", "show", "dev", device])).EnsureSuccess();
        using var json = JsonDocument.Parse(result.Stdout);
        var stats = json.RootElement[0].GetProperty("stats64");
        var tx = stats.GetProperty("tx");
        return new LinkCounters(tx.GetProperty("bytes").GetInt64(), tx.GetProperty("packets").GetInt64(),
            tx.GetProperty("dropped").GetInt64(), stats.GetProperty("rx").GetProperty("dropped").GetInt64());
    }

    /// <summary>One field of the Udp line of /proc/net/snmp in <paramref name="ns"/>, e.g.
    /// RcvbufErrors: datagrams the kernel dropped because a socket's buffer was full.</summary>
    public static async Task<long> UdpCounterAsync(string ns, string field)
    {
        var result = (await CommandRunner.RunInAsync(ns, "cat", ["/proc/net/snmp"])).EnsureSuccess();
        var lines = result.Stdout.Split('\n').Where(l => l.StartsWith("Udp: ", StringComparison.Ordinal)).ToList();
        if (lines.Count < 2)
        {
            throw new FormatException($"/proc/net/snmp in {ns} has no Udp header and value lines");
        }

        string[] names = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string[] values = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int index = Array.IndexOf(names, field);
        return index > 0 && index < values.Length
            ? long.Parse(values[index], System.Globalization.CultureInfo.InvariantCulture)
            : throw new FormatException($"/proc/net/snmp in {ns} has no Udp field {field}");
    }
}

/// <summary>A link's counters as <see cref="KernelCounters.LinkAsync"/> reads them.</summary>
public readonly record struct LinkCounters(long TxBytes, long TxPackets, long TxDropped, long RxDropped)
{
    /// <summary>What happened between <paramref name="before"/> and <paramref name="after"/>.</summary>
    public static LinkCounters operator -(LinkCounters after, LinkCounters before) =>
        new(after.TxBytes - before.TxBytes, after.TxPackets - before.TxPackets, after.TxDropped - before.TxDropped, after.RxDropped - before.RxDropped);
}
