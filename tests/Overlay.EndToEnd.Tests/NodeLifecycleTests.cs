using System.Diagnostics;
using Overlay.EndToEnd.Tests.Infrastructure;
using Overlay.EndToEnd.Tests.Management;

namespace Overlay.EndToEnd.Tests;

/// <summary>Nodes that stop and start: routes follow the cluster, and a restarted node keeps its subnet.
/// Each test leaves a stopped node for the fixture to start again before the next test.</summary>
[Collection(OverlayLabCollection.Name)]
public sealed class NodeLifecycleTests(OverlayLabFixture lab, ITestOutputHelper output)
{
    [LabFact]
    public Task StoppingNode3RemovesItsRouteOnNodes1And2() => lab.RunAsync(output, async () =>
    {
        string subnet3 = lab.Subnet(3).Subnet;
        foreach (int i in new[] { 1, 2 })
        {
            var before = await lab.NodeApi(i).GetRoutesAsync();
            Assert.Contains(before.Peers, p => p.Subnet == subnet3);
        }

        var clock = Stopwatch.StartNew();
        lab.Node(3)!.Signal(PosixSignals.SigTerm);
        var removal = Poll.UntilAsync($"nodes 1 and 2 drop the route to {subnet3}", EndToEndConstants.RouteRemovalTimeout, async () =>
        {
            foreach (int i in new[] { 1, 2 })
            {
                var routes = await lab.NodeApi(i).GetRoutesAsync();
                if (routes.Peers.Any(p => p.Subnet == subnet3))
                {
                    return $"h{i} still has {routes.Describe()}";
                }
            }

            return null;
        });
        await lab.Node(3)!.WaitForExitAsync(EndToEndConstants.ProcessStopTimeout);
        output.WriteLine($"node 3 exited {clock.Elapsed.TotalSeconds:F1} s after SIGTERM (exit code {lab.Node(3)!.ExitCode})");
        await removal;
        output.WriteLine($"route to {subnet3} gone from nodes 1 and 2 {clock.Elapsed.TotalSeconds:F1} s after SIGTERM to node 3");

        // Pods of the remaining hosts still reach each other.
        await OverlayLabFixture.WaitForPingAsync(lab.Topology.Pod(1), lab.PodAddress(2), EndToEndConstants.TrafficTimeout);
    });

    [LabFact]
    public Task RestartingNode2KeepsItsSubnetAndPodTrafficResumes() => lab.RunAsync(output, async () =>
    {
        var subnetBefore = lab.Subnet(2);
        var leaseBefore = await lab.NodeApi(2).GetLeaseAsync();
        Assert.Equal(subnetBefore.Subnet, leaseBefore.Subnet);
        await OverlayLabFixture.WaitForPingAsync(lab.Topology.Pod(1), lab.PodAddress(2), EndToEndConstants.TrafficTimeout);

        var clock = Stopwatch.StartNew();
        await lab.StopNodeAsync(2);
        output.WriteLine($"node 2 exited {clock.Elapsed.TotalSeconds:F1} s after SIGTERM");
        await lab.StartNodeAsync(2);
        output.WriteLine($"node 2 ready again {clock.Elapsed.TotalSeconds:F1} s after SIGTERM");

        var subnetAfter = lab.Subnet(2);
        var leaseAfter = await lab.NodeApi(2).GetLeaseAsync();
        Assert.Equal(subnetBefore.Subnet, subnetAfter.Subnet);
        Assert.Equal(subnetBefore.Gateway, subnetAfter.Gateway);
        Assert.Equal(subnetBefore.Subnet, leaseAfter.Subnet);
        Assert.Equal(Topology.HostAddress(2), leaseAfter.PublicIp);

        var resumed = await OverlayLabFixture.WaitForPingAsync(lab.Topology.Pod(1), lab.PodAddress(2), EndToEndConstants.TrafficTimeout);
        await OverlayLabFixture.WaitForPingAsync(lab.Topology.Pod(2), lab.PodAddress(3), EndToEndConstants.TrafficTimeout);
        output.WriteLine($"p1 -> p2 answered {resumed.TotalSeconds:F1} s after node 2 was ready; {clock.Elapsed.TotalSeconds:F1} s after SIGTERM");
    });
}
