using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Overlay.Actors.Leases;
using Overlay.Cluster.Tests.Harness;
using Xunit.Abstractions;

namespace Overlay.Cluster.Tests;

/// <summary>Three actor systems on 127.0.0.1 in one process: concurrent acquires across members,
/// lease changes reaching subscribers on other members in version order, late joiners.</summary>
public sealed class ClusterLeaseSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Concurrent_acquires_from_three_members_get_distinct_subnets_and_reach_every_subscriber_in_order()
    {
        await using var a = await ClusterMember.StartAsync(TestStorage.NewSqlite());
        await RegistryPersistenceSpec.ConfigureAsync(a.Registry);
        await using var b = await ClusterMember.StartAsync(null, joinTo: a);
        await using var c = await ClusterMember.StartAsync(null, joinTo: a);
        await Poll.UntilTrueAsync(() => Akka.Cluster.Cluster.Get(a.System).State.Members.Count(m => m.Status == MemberStatus.Up) == 3,
            Long, "three members Up");

        var viewsB = Subscribers.Subscribe(b);
        var viewsC = Subscribers.Subscribe(c);
        await Poll.UntilTrueAsync(() => !viewsB.IsEmpty && !viewsC.IsEmpty, Long, "both subscribers to read the registry");

        var members = new[] { a, b, c };
        var requests = members.SelectMany((member, m) => Enumerable.Range(0, 50).Select(i =>
        {
            var host = m * 50 + i + 1;
            return member.Registry.Ask<LeaseAcquired>(
                new AcquireLease($"node-{host}", IPAddress.Parse($"192.0.2.{host}"), 8285, null, member.Address.ToString()), Long);
        })).ToList();
        var granted = await Task.WhenAll(requests);

        Assert.Equal(150, granted.Select(g => g.Lease.Subnet).Distinct().Count());
        foreach (var x in granted)
            Assert.DoesNotContain(granted, y => y != x && x.Lease.Subnet.Overlaps(y.Lease.Subnet));

        var registry = await RegistryPersistenceSpec.SnapshotOf(a);
        Assert.Equal(150, registry.Leases.Count);
        foreach (var (name, views) in new[] { ("b", viewsB), ("c", viewsC) })
        {
            await Poll.UntilTrueAsync(() => views.LastOrDefault()?.Version == registry.Version, Long,
                $"the subscriber on {name} to reach version {registry.Version}");
            var seen = views.ToList();
            Assert.True(seen.Zip(seen.Skip(1)).All(p => p.Item1.Version < p.Item2.Version),
                $"subscriber on {name} saw versions out of order: {string.Join(",", seen.Select(v => v.Version))}");
            Assert.Equal(registry.Leases.OrderBy(l => l.Subnet), seen[^1].Leases.Values);
            output.WriteLine($"subscriber on {name}: {seen.Count} view changes up to version {seen[^1].Version}");
        }

        await using var late = await ClusterMember.StartAsync(null, joinTo: a);
        var viewsLate = Subscribers.Subscribe(late);
        await Poll.UntilTrueAsync(() => viewsLate.LastOrDefault()?.Leases.Count == 150, Long, "the late joiner's full view");
        Assert.Equal(registry.Version, viewsLate.Last().Version);
    }

    [Fact]
    public async Task A_member_the_cluster_removes_loses_its_lease_after_the_grace_period_and_one_that_returns_keeps_it()
    {
        // Long enough for a member to restart within it on a loaded machine.
        var settings = TestRegistrySettings.Fast with { GracePeriod = TimeSpan.FromSeconds(10) };
        var grace = settings.GracePeriod;
        await using var a = await ClusterMember.StartAsync(TestStorage.NewSqlite(), settings);
        await RegistryPersistenceSpec.ConfigureAsync(a.Registry);
        var cluster = Akka.Cluster.Cluster.Get(a.System);

        // The returning node: leaves, and a new incarnation with the same node name (a restarted
        // process, new address) asks again within the grace period.
        var returning = await ClusterMember.StartAsync(null, joinTo: a);
        var returningLease = (await returning.Registry.Ask<LeaseAcquired>(
            new AcquireLease("returning", IPAddress.Parse("192.0.2.22"), 8285, null, returning.Address.ToString()), Long)).Lease;
        var returningAddress = returning.Address;
        await returning.DisposeAsync();
        await Poll.UntilTrueAsync(() => cluster.State.Members.All(m => m.Address != returningAddress), Long, "the returning member removed");
        var returningRemovedAt = DateTimeOffset.UtcNow;
        await using var back = await ClusterMember.StartAsync(null, joinTo: a);
        var again = await back.Registry.Ask<LeaseAcquired>(
            new AcquireLease("returning", IPAddress.Parse("192.0.2.22"), 8285, null, back.Address.ToString()), Long);
        Assert.True(DateTimeOffset.UtcNow - returningRemovedAt < grace, "the machine was too slow to come back within the grace period");
        Assert.Equal(returningLease.Subnet, again.Lease.Subnet);

        // The departed node: leaves and does not come back.
        var gone = await ClusterMember.StartAsync(null, joinTo: a);
        var goneLease = (await gone.Registry.Ask<LeaseAcquired>(
            new AcquireLease("gone", IPAddress.Parse("192.0.2.21"), 8285, null, gone.Address.ToString()), Long)).Lease;
        var goneAddress = gone.Address;
        await gone.DisposeAsync();
        await Poll.UntilTrueAsync(() => cluster.State.Members.All(m => m.Address != goneAddress), Long, "the departed member removed");
        var removedAt = DateTimeOffset.UtcNow;

        await Poll.UntilTrueAsync(async () =>
                (await RegistryPersistenceSpec.SnapshotOf(a)).Leases.All(l => l.Subnet != goneLease.Subnet),
            grace + TimeSpan.FromSeconds(30), "the departed member's lease to end");
        var elapsed = DateTimeOffset.UtcNow - removedAt;
        output.WriteLine($"lease of the removed member ended {elapsed.TotalSeconds:0.0}s after removal (grace {grace.TotalSeconds}s)");
        Assert.True(elapsed >= grace - TimeSpan.FromMilliseconds(500), $"lease ended after {elapsed}, before the grace period {grace}");

        // By now the returning node's old incarnation is past its grace too: its lease stays.
        Assert.True(DateTimeOffset.UtcNow - returningRemovedAt > grace);
        var lease = Assert.Single((await RegistryPersistenceSpec.SnapshotOf(a)).Leases, l => l.Subnet == returningLease.Subnet);
        Assert.Equal(back.Address.ToString(), lease.MemberAddress);
    }
}
