using System.Diagnostics;
using Overlay.EndToEnd.Tests.Infrastructure;

namespace Overlay.EndToEnd.Tests;

/// <summary>Pods and hosts reach each other across the overlay; an address nobody leases is
/// refused at once.</summary>
[Collection(OverlayLabCollection.Name)]
public sealed class PodConnectivityTests(OverlayLabFixture lab, ITestOutputHelper output)
{
    [LabFact]
    public Task PodsPingEachOtherAcrossHostsBothWays() => lab.RunAsync(output, async () =>
    {
        for (int from = 1; from <= EndToEndConstants.HostCount; from++)
        {
            for (int to = 1; to <= EndToEndConstants.HostCount; to++)
            {
                if (from == to)
                {
                    continue;
                }

                var took = await OverlayLabFixture.WaitForPingAsync(lab.Topology.Pod(from), lab.PodAddress(to), EndToEndConstants.TrafficTimeout);
                var ping = await OverlayLabFixture.PingAsync(lab.Topology.Pod(from), lab.PodAddress(to), count: 3, extra: ["-q", "-i", "0.2"]);
                Assert.True(ping.Succeeded, $"p{from} -> p{to} ({lab.PodAddress(to)}): {ping}");
                Assert.Contains(" 0% packet loss", ping.Stdout);
                output.WriteLine($"p{from} -> p{to} {lab.PodAddress(to)}: first reply after {took.TotalMilliseconds:F0} ms; {RttLine(ping.Stdout)}");
            }
        }
    });

    [LabFact]
    public Task HostPingsAPodOnAnotherHost() => lab.RunAsync(output, async () =>
    {
        await OverlayLabFixture.WaitForPingAsync(lab.Topology.Host(1), lab.PodAddress(3), EndToEndConstants.TrafficTimeout);
        var ping = await OverlayLabFixture.PingAsync(lab.Topology.Host(1), lab.PodAddress(3), count: 3, extra: ["-q", "-i", "0.2"]);
        Assert.True(ping.Succeeded, ping.ToString());
        Assert.Contains(" 0% packet loss", ping.Stdout);
        output.WriteLine($"h1 -> p3 {lab.PodAddress(3)}: {RttLine(ping.Stdout)}");
    });

    [LabFact]
    public Task PingToASubnetWithoutLeaseFailsAtOnceWithNetUnreachable() => lab.RunAsync(output, async () =>
    {
        // -W 5: a silently dropped echo would keep ping waiting 5 s; the ICMP error ends it at once.
        var clock = Stopwatch.StartNew();
        var ping = await OverlayLabFixture.PingAsync(lab.Topology.Pod(1), EndToEndConstants.UnleasedOverlayAddress, count: 1, waitSeconds: 5);
        clock.Stop();
        output.WriteLine(ping.ToString());

        Assert.False(ping.Succeeded, $"ping to {EndToEndConstants.UnleasedOverlayAddress} succeeded: {ping}");
        Assert.Contains("Destination Net Unreachable", ping.Output);
        Assert.True(clock.Elapsed < EndToEndConstants.UnreachableAnswerBound, $"the unreachable answer took {clock.Elapsed.TotalMilliseconds:F0} ms");
    });

    private static string RttLine(string stdout) =>
        stdout.Split('\n').FirstOrDefault(l => l.StartsWith("rtt", StringComparison.Ordinal)) ?? "(no rtt line)";
}
