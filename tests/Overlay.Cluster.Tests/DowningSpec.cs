using Akka.Actor;
using Akka.Cluster;
using Akka.Remote;
using Akka.Remote.Transport;
using Overlay.Cluster.Tests.Harness;
using Overlay.Hosting.Cluster.Downing;

namespace Overlay.Cluster.Tests;

/// <summary>
/// The downing provider of hocon/akka.hocon (registry-aware keep-oldest, down-if-alone) under real
/// partitions: members in this process talk through Akka.Remote's throttler transport adapter
/// ("trttl"), whose Blackhole mode drops everything between two members, as a firewall would.
/// </summary>
public sealed class DowningSpec
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    // The throttler sits on top of the TCP transport; addresses become akka.trttl.tcp://...
    private const string Throttled = "akka.remote.dot-netty.tcp.applied-adapters = [trttl]";

    [Fact]
    public async Task A_node_cut_off_from_everyone_is_downed_and_never_takes_the_seeds_with_it()
    {
        await using var seed1 = await ClusterMember.StartAsync(TestStorage.NewSqlite(), extraHocon: Throttled);
        await using var seed2 = await ClusterMember.StartAsync(TestStorage.NewSqlite(), joinTo: seed1, extraHocon: Throttled);
        await using var node1 = await ClusterMember.StartAsync(null, joinTo: seed1, extraHocon: Throttled);
        await using var node2 = await ClusterMember.StartAsync(null, joinTo: seed1, extraHocon: Throttled);
        var all = new[] { seed1, seed2, node1, node2 };
        await AllUpAsync(all);

        foreach (var other in new[] { seed1, seed2, node2 })
            await BlackholeAsync(node1, other);

        await Poll.UntilTrueAsync(() => new[] { seed1, seed2, node2 }.All(m => !Members(m).Contains(node1.Address)), Long,
            "the others to down and remove the cut-off node");
        foreach (var survivor in new[] { seed1, seed2, node2 })
        {
            Assert.Equal(MemberStatus.Up, SelfStatus(survivor));
            Assert.Equal(3, Members(survivor).Count);
        }
    }

    [Fact]
    public async Task The_oldest_seed_cut_off_alone_is_downed_by_the_rest_which_keep_the_other_seed()
    {
        // Fault F8's shape: {seed1} / {seed2, nodes}. seed1 is the oldest but alone: down-if-alone.
        await using var seed1 = await ClusterMember.StartAsync(TestStorage.NewSqlite(), extraHocon: Throttled);
        await using var seed2 = await ClusterMember.StartAsync(TestStorage.NewSqlite(), joinTo: seed1, extraHocon: Throttled);
        await using var node1 = await ClusterMember.StartAsync(null, joinTo: seed1, extraHocon: Throttled);
        await using var node2 = await ClusterMember.StartAsync(null, joinTo: seed1, extraHocon: Throttled);
        await AllUpAsync([seed1, seed2, node1, node2]);

        foreach (var other in new[] { seed2, node1, node2 })
            await BlackholeAsync(seed1, other);

        await Poll.UntilTrueAsync(() => new[] { seed2, node1, node2 }.All(m => !Members(m).Contains(seed1.Address)), Long,
            "the rest to down the lone oldest seed");
        foreach (var survivor in new[] { seed2, node1, node2 })
        {
            Assert.Equal(MemberStatus.Up, SelfStatus(survivor));
            Assert.Equal(3, Members(survivor).Count);
        }
    }

    [Fact]
    public async Task Two_seeds_that_lose_only_each_other_lose_the_younger_one_and_the_older_keeps_the_registry()
    {
        // Fault F9. Akka's own resolver downs both "indirectly connected" seeds (every strategy does
        // that first), which left the nodes without a registry; the registry-aware provider keeps the
        // oldest registry member among them and downs only the younger seed.
        await using var seed1 = await ClusterMember.StartAsync(TestStorage.NewSqlite(), extraHocon: Throttled);
        await using var seed2 = await ClusterMember.StartAsync(TestStorage.NewSqlite(), joinTo: seed1, extraHocon: Throttled);
        await using var node1 = await ClusterMember.StartAsync(null, joinTo: seed1, extraHocon: Throttled);
        await using var node2 = await ClusterMember.StartAsync(null, joinTo: seed1, extraHocon: Throttled);
        await AllUpAsync([seed1, seed2, node1, node2]);
        Assert.IsType<RegistryAwareDowningProvider>(Akka.Cluster.Cluster.Get(seed1.System).DowningProvider);

        await BlackholeAsync(seed1, seed2);

        await Poll.UntilTrueAsync(() => new[] { seed1, node1, node2 }.All(m => !Members(m).Contains(seed2.Address)), Long,
            "the younger seed to be downed and removed");
        foreach (var survivor in new[] { seed1, node1, node2 })
        {
            Assert.Equal(MemberStatus.Up, SelfStatus(survivor));
            Assert.Equal(3, Members(survivor).Count);
        }
    }

    [Fact]
    public async Task A_node_cut_from_the_only_seed_one_way_is_downed_and_the_seed_stays()
    {
        // Fault F13's shape: the node drops what the seed sends, so each sees the other unreachable
        // while the other node sees both. Akka's resolver downs both; the seed must stay.
        await using var seed = await ClusterMember.StartAsync(TestStorage.NewSqlite(), extraHocon: Throttled);
        await using var node1 = await ClusterMember.StartAsync(null, joinTo: seed, extraHocon: Throttled);
        await using var node2 = await ClusterMember.StartAsync(null, joinTo: seed, extraHocon: Throttled);
        await AllUpAsync([seed, node1, node2]);

        await BlackholeAsync(node2, seed);

        await Poll.UntilTrueAsync(() => new[] { seed, node1 }.All(m => !Members(m).Contains(node2.Address)), Long,
            "the cut node to be downed and removed");
        Assert.Equal(MemberStatus.Up, SelfStatus(seed));
        Assert.Equal(MemberStatus.Up, SelfStatus(node1));
    }

    private static async Task BlackholeAsync(ClusterMember from, ClusterMember to)
    {
        var transport = ((IRemoteActorRefProvider)((ExtendedActorSystem)from.System).Provider).Transport;
        Assert.True(await transport.ManagementCommand(new SetThrottle(to.Address, ThrottleTransportAdapter.Direction.Both,
            Blackhole.Instance)), $"blackholing {to.Address} on {from.Address} failed");
    }

    private static Task AllUpAsync(IReadOnlyList<ClusterMember> members) => Poll.UntilTrueAsync(() =>
        members.All(m => Akka.Cluster.Cluster.Get(m.System).State.Members.Count(x => x.Status == MemberStatus.Up) == members.Count),
        Long, $"{members.Count} members Up everywhere");

    private static HashSet<Address> Members(ClusterMember member) =>
        Akka.Cluster.Cluster.Get(member.System).State.Members.Where(m => m.Status != MemberStatus.Down).Select(m => m.Address).ToHashSet();

    private static MemberStatus? SelfStatus(ClusterMember member)
    {
        var cluster = Akka.Cluster.Cluster.Get(member.System);
        return cluster.State.Members.FirstOrDefault(m => m.Address.Equals(cluster.SelfAddress))?.Status;
    }
}
