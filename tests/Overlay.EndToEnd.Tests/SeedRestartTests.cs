using System.Diagnostics;
using Overlay.EndToEnd.Tests.Infrastructure;

namespace Overlay.EndToEnd.Tests;

/// <summary>Fault F2b with real processes in namespaces: the only seed (SQLite) is SIGKILLed and
/// restarted on its data directory while the nodes run; the nodes become members of the restarted
/// seed's cluster within 60s of its start (no island) and keep their leases.</summary>
[Collection(OverlayLabCollection.Name)]
public sealed class SeedRestartTests(OverlayLabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan RejoinDeadline = TimeSpan.FromSeconds(60);

    [LabFact]
    public Task TheOnlySeedKilledAndRestartedOnItsDataIsRejoinedByEveryNodeWhichKeepItsLease() => lab.RunAsync(output, async () =>
    {
        var hosts = Enumerable.Range(1, EndToEndConstants.HostCount).ToList();
        var subnets = hosts.ToDictionary(i => i, i => lab.Subnet(i).Subnet);

        await lab.KillAndRestartSeedAsync();
        var sinceStart = Stopwatch.StartNew();

        // One cluster: the seed lists every node Up, and every node lists the seed Up.
        await Poll.UntilAsync("the restarted seed and every node to list each other Up", RejoinDeadline, async () =>
        {
            var seedView = await lab.SeedApi.GetMembersAsync();
            var notInSeedView = hosts.Where(i => !seedView.Members.Any(m =>
                m.Node.Contains($"@{Topology.HostAddress(i)}:", StringComparison.Ordinal) && m.Status == "Up")).ToList();
            var notSeeingSeed = new List<int>();
            foreach (var i in hosts)
            {
                var nodeView = await lab.NodeApi(i).GetMembersAsync();
                if (!nodeView.Members.Any(m => m.Node == lab.SeedClusterAddress && m.Status == "Up"))
                    notSeeingSeed.Add(i);
            }
            return notInSeedView.Count == 0 && notSeeingSeed.Count == 0
                ? null
                : $"seed lacks h{string.Join(",h", notInSeedView)}; nodes not seeing the seed Up: h{string.Join(",h", notSeeingSeed)}";
        });
        output.WriteLine($"every node was a member of the restarted seed's cluster {sinceStart.Elapsed.TotalSeconds:F1}s after it started");

        // Same leases, in the registry and on every host.
        await Poll.UntilAsync("the restarted registry to answer", RejoinDeadline, async () =>
            (await lab.SeedApi.GetAsync("/leases")).Status == 200 ? null : "/leases does not answer yet");
        var leases = await lab.SeedApi.GetLeasesAsync();
        foreach (var i in hosts)
        {
            Assert.Equal(subnets[i], lab.Subnet(i).Subnet);
            Assert.Equal(lab.Topology.Host(i), Assert.Single(leases.Leases, l => l.Subnet == subnets[i]).NodeName);
        }
        await Poll.UntilAsync("the restarted seed to be ready", RejoinDeadline, async () =>
            await lab.SeedApi.IsReadyAsync() ? null : "/health/ready is not 200 yet");
    });
}
