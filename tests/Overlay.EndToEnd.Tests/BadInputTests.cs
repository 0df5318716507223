using Overlay.EndToEnd.Tests.Infrastructure;
using Overlay.EndToEnd.Tests.Management;

namespace Overlay.EndToEnd.Tests;

/// <summary>Malformed and spoofed datagrams from a host without a lease: all dropped and counted,
/// none reaches the kernel, the node survives and real traffic continues.</summary>
[Collection(OverlayLabCollection.Name)]
public sealed class BadInputTests(OverlayLabFixture lab, ITestOutputHelper output)
{
    [LabFact]
    public Task FuzzingHost1DropsEveryBadDatagramWhileAPodFlowCompletes() => lab.RunAsync(output, async () =>
    {
        string h1 = lab.Topology.Host(1);
        var node1 = lab.Node(1)!;
        await OverlayLabFixture.WaitForPingAsync(lab.Topology.Pod(1), lab.PodAddress(2), EndToEndConstants.TrafficTimeout);

        // Counters read while nothing flows, before and after: the deltas are exact.
        var routesBefore = await lab.NodeApi(1).GetRoutesAsync();
        long tunRxBefore = await KernelCounters.RxPacketsAsync(h1, EndToEndConstants.TunName);
        long rcvbufErrorsBefore = await KernelCounters.UdpCounterAsync(h1, "RcvbufErrors");

        var fuzz = lab.StartFuzzTool(
            "fuzz h1",
            lab.Topology.Attacker,
            [
                "fuzz",
                "--target", $"{Topology.HostAddress(1)}:{EndToEndConstants.OverlayUdpPort}",
                "--count", $"{EndToEndConstants.FuzzCount}",
                "--seed", "20261126",
                "--rate", $"{EndToEndConstants.FuzzRatePerSecond}",
                "--max-seconds", $"{EndToEndConstants.FuzzMaxSeconds}",
                "--target-subnet", lab.Subnet(1).Subnet,
                "--spoof-subnet", lab.Subnet(2).Subnet,
            ]);
        // The legitimate flows, p1 <-> p2, run while the fuzzer does: pings throughout, and a TCP stream.
        var pings = lab.StartHelper("ping p1->p2", lab.Topology.Pod(1), "ping", ["-n", "-q", "-c", "60", "-i", "0.25", "-W", "2", lab.PodAddress(2)]);
        var (sent, received) = await TcpTransferTests.TransferAsync(lab, 1, 2, EndToEndConstants.FlowUnderFuzzBytes, seed: 7);
        await fuzz.WaitForExitAsync(TimeSpan.FromSeconds(EndToEndConstants.FuzzMaxSeconds + 30));
        await pings.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var report = FuzzReport.Parse(string.Join('\n', fuzz.Lines));
        output.WriteLine(fuzz.Tail(3));
        output.WriteLine(pings.Tail(3));

        Assert.False(node1.HasExited, $"node 1 died under fuzzing (exit code {(node1.HasExited ? node1.ExitCode : 0)})");
        Assert.True(await lab.NodeApi(1).IsReadyAsync(), "node 1 is not ready after fuzzing");

        var routesAfter = await lab.NodeApi(1).GetRoutesAsync();
        long tunRxAfter = await KernelCounters.RxPacketsAsync(h1, EndToEndConstants.TunName);
        long rcvbufErrors = await KernelCounters.UdpCounterAsync(h1, "RcvbufErrors") - rcvbufErrorsBefore;

        long fuzzSent = report["total"];
        long dropped = routesAfter.TotalDrops - routesBefore.TotalDrops;
        long tunRx = tunRxAfter - tunRxBefore;
        long legitimate = routesAfter.TotalRxPackets - routesBefore.TotalRxPackets;
        string drops = string.Join(", ", routesAfter.Drops.Select(d => $"{d.Key}={d.Value - routesBefore.Drops.GetValueOrDefault(d.Key)}"));
        output.WriteLine($"fuzz sent {fuzzSent}; node 1 drops +{dropped} ({drops}); kernel UDP RcvbufErrors +{rcvbufErrors}");
        output.WriteLine($"overlay0 RX +{tunRx}; per-peer rxPackets +{legitimate}");

        Assert.True(fuzzSent > 0, "the fuzzer sent nothing");
        // Datagrams the kernel discarded for a full socket buffer never reached the node; every other one must be counted as a drop.
        Assert.True(dropped >= fuzzSent - rcvbufErrors, $"node 1 counted {dropped} drops for {fuzzSent} bad datagrams ({rcvbufErrors} lost in the kernel): {drops}");
        Assert.True(tunRx <= legitimate, $"overlay0 received {tunRx} packets but node 1 accepted only {legitimate} from peers: bad input reached the kernel");
        Assert.Equal(sent.Groups["sha"].Value, received.Groups["sha"].Value);
        var summary = System.Text.RegularExpressions.Regex.Match(string.Join('\n', pings.Lines), @"(?<sent>\d+) packets transmitted, (?<received>\d+) received");
        Assert.True(summary.Success, $"no ping summary: {pings.Tail(5)}");
        Assert.True(int.Parse(summary.Groups["received"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, $"no ping p1 -> p2 was answered during fuzzing: {summary.Value}");
    });
}
