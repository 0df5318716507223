using Overlay.EndToEnd.Tests.Infrastructure;

namespace Overlay.EndToEnd.Tests;

/// <summary>What the seed's management API says about the lab: every node a member, one lease
/// per node matching its subnet.env, and the node's own view agreeing.</summary>
[Collection(OverlayLabCollection.Name)]
public sealed class ClusterStateTests(OverlayLabFixture lab, ITestOutputHelper output)
{
    [LabFact]
    public Task SeedListsEveryNodeAsUpMemberWithOneLeaseMatchingItsSubnetEnv() => lab.RunAsync(output, async () =>
    {
        await Poll.UntilAsync("the seed sees every node Up", EndToEndConstants.RoutesConvergeTimeout, async () =>
        {
            var members = await lab.SeedApi.GetMembersAsync();
            var missing = Enumerable.Range(1, EndToEndConstants.HostCount)
                .Select(i => $"@{Topology.HostAddress(i)}:")
                .Where(address => !members.Members.Any(m => m.Node.Contains(address, StringComparison.Ordinal) && m.Status == "Up"))
                .ToList();
            return missing.Count == 0 ? null : $"not Up: {string.Join(", ", missing)}; members: {string.Join(", ", members.Members.Select(m => $"{m.Node} {m.Status}"))}";
        });

        var leases = await lab.SeedApi.GetLeasesAsync();
        output.WriteLine($"registry version {leases.Version}: {string.Join("; ", leases.Leases.Select(l => $"{l.Subnet} {l.NodeName} {l.PublicIp}:{l.Port} v{l.Version}"))}");
        Assert.Equal(leases.Leases.Count, leases.Leases.Select(l => l.Subnet).Distinct().Count());
        Assert.All(leases.Leases, l => Assert.True(l.Version <= leases.Version, $"lease {l.Subnet} has version {l.Version} above the registry's {leases.Version}"));

        for (int i = 1; i <= EndToEndConstants.HostCount; i++)
        {
            var subnet = lab.Subnet(i);
            Assert.Equal(EndToEndConstants.OverlayNetwork, subnet.Network);
            var lease = Assert.Single(leases.Leases, l => l.Subnet == subnet.Subnet);
            Assert.Equal(Topology.HostAddress(i), lease.PublicIp);
            Assert.Equal(EndToEndConstants.OverlayUdpPort, lease.Port);
            Assert.Equal(lab.Topology.Host(i), lease.NodeName);

            var own = await lab.NodeApi(i).GetLeaseAsync();
            Assert.Equal(subnet.Subnet, own.Subnet);
            Assert.Equal((await lab.NodeApi(i).GetRoutesAsync()).Local, subnet.Subnet);
        }
    });

    [LabFact]
    public Task EveryNodeHasItsTunWithTheSubnetAddressAndTheNetworkRoute() => lab.RunAsync(output, async () =>
    {
        for (int i = 1; i <= EndToEndConstants.HostCount; i++)
        {
            var subnet = lab.Subnet(i);
            string host = lab.Topology.Host(i);
            var link = (await CommandRunner.RunAsync("ip", ["-n", host, "-4", "addr", "show", "dev", EndToEndConstants.TunName])).EnsureSuccess();
            Assert.Contains($"inet {subnet.TunAddress}/32", link.Stdout);
            Assert.Contains($"mtu {subnet.Mtu}", link.Stdout);
            Assert.Contains(",UP", link.Stdout);
            var route = (await CommandRunner.RunAsync("ip", ["-n", host, "-4", "route", "show", EndToEndConstants.OverlayNetwork])).EnsureSuccess();
            Assert.Contains($"dev {EndToEndConstants.TunName}", route.Stdout);
        }
    });
}
