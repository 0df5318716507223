using System.Globalization;
using System.Text.RegularExpressions;
using Overlay.EndToEnd.Tests.Infrastructure;

namespace Overlay.EndToEnd.Tests;

/// <summary>
/// The fast path on the path pods take: a pod's TCP is forwarded through its host's bridge into the TUN,
/// and its super-packets must reach the node whole. A check that only counted arriving bytes passed while
/// the kernel split every forwarded super-packet in front of the TUN (its gso_max_segs was capped below
/// what a pod's TCP builds) and the TUN's ring overflowed: pod to pod ran at 0.08x kernel VXLAN.
/// </summary>
[Collection(OverlayLabCollection.Name)]
public sealed class PodSuperPacketTests(OverlayLabFixture lab, ITestOutputHelper output)
{
    private const int From = 1;
    private const int To = 3;
    private const long TransferBytes = 64L * 1024 * 1024;

    [LabFact]
    public Task A_pod_to_pod_transfer_through_the_bridge_moves_super_packets_and_the_tun_drops_nothing() => lab.RunAsync(output, async () =>
    {
        string sender = lab.Topology.Host(From);
        string receiver = lab.Topology.Host(To);
        int mtu = lab.Subnet(From).Mtu;
        Assert.Contains("gso_max_segs 65535 ", (await CommandRunner.RunAsync("ip", ["-n", sender, "-d", "link", "show", "dev", EndToEndConstants.TunName])).EnsureSuccess().Stdout);

        var scrapeBefore = await ScrapeAsync(From);
        var tunBefore = await KernelCounters.LinkAsync(sender, EndToEndConstants.TunName);
        var peerTunBefore = await KernelCounters.LinkAsync(receiver, EndToEndConstants.TunName);

        var (sent, received) = await TcpTransferTests.TransferAsync(lab, From, To, TransferBytes, seed: 12);

        var scrapeAfter = await ScrapeAsync(From);
        var tun = await KernelCounters.LinkAsync(sender, EndToEndConstants.TunName) - tunBefore;
        var peerTun = await KernelCounters.LinkAsync(receiver, EndToEndConstants.TunName) - peerTunBefore;
        Assert.Equal(sent.Groups["sha"].Value, received.Groups["sha"].Value);
        Assert.Equal(TransferBytes.ToString(CultureInfo.InvariantCulture), received.Groups["bytes"].Value);

        double superPackets = Value(scrapeAfter, "overlay_offload_super_packets_total") - Value(scrapeBefore, "overlay_offload_super_packets_total");
        double segments = Value(scrapeAfter, "overlay_offload_segments_sent_total") - Value(scrapeBefore, "overlay_offload_segments_sent_total");
        double tunDropsMetric = Value(scrapeAfter, "overlay_tun_tx_dropped_total") - Value(scrapeBefore, "overlay_tun_tx_dropped_total");
        output.WriteLine($"p{From} -> p{To}: {TransferBytes >> 20} MiB; h{From} read {superPackets} super-packets carrying {segments} segments; "
            + $"overlay0 TX {tun.TxBytes} bytes in {tun.TxPackets} packets ({tun.TxBytes / Math.Max(1, tun.TxPackets)} per packet, MTU {mtu}); "
            + $"TUN drops h{From} tx {tun.TxDropped} rx {tun.RxDropped}, h{To} tx {peerTun.TxDropped} rx {peerTun.RxDropped}");

        // Most of the data went through the node as super-packets: split into segments by the node, not
        // by the kernel in front of the TUN (then every read is one packet and these counters stay flat).
        Assert.True(segments * (mtu - 52) >= TransferBytes / 2,
            $"only {segments} segments came from {superPackets} super-packets for {TransferBytes} bytes: the kernel split the pod's super-packets in front of the TUN");
        Assert.True(tun.TxBytes >= TransferBytes, $"overlay0 on h{From} handed the node only {tun.TxBytes} bytes");
        Assert.True(tun.TxBytes / Math.Max(1, tun.TxPackets) > 4 * mtu,
            $"overlay0 on h{From} handed the node {tun.TxPackets} packets for {tun.TxBytes} bytes, {tun.TxBytes / Math.Max(1, tun.TxPackets)} per packet at MTU {mtu}");
        Assert.Equal((0L, 0L, 0L, 0L), (tun.TxDropped, tun.RxDropped, peerTun.TxDropped, peerTun.RxDropped));
        Assert.Equal(0, tunDropsMetric);
    });

    private async Task<string> ScrapeAsync(int host)
    {
        var (status, body) = await lab.NodeApi(host).GetAsync("/metrics");
        Assert.Equal(200, status);
        return body;
    }

    private static double Value(string scrape, string name)
    {
        var match = Regex.Match(scrape, $@"(?m)^{Regex.Escape(name)}(?:\{{[^}}]*\}})? (?<value>\S+)$");
        Assert.True(match.Success, $"/metrics has no {name}");
        return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
    }
}
