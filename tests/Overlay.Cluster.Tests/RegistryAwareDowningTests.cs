using Akka.Actor;
using Akka.Cluster;
using Overlay.Hosting.Cluster.Downing;

namespace Overlay.Cluster.Tests;

/// <summary>
/// The downing decision as a pure function: the fault matrix's partitions (F8, F9, F10/F11, F13, a
/// crashed seed) written as members and reachability records, and what each side downs.
/// Members are listed oldest first; s1 and s2 are seeds (registry role), n1 and n2 nodes.
/// </summary>
public sealed class RegistryAwareDowningTests
{
    private static readonly UniqueAddress S1 = At("s1");
    private static readonly UniqueAddress S2 = At("s2");
    private static readonly UniqueAddress N1 = At("n1");
    private static readonly UniqueAddress N2 = At("n2");

    private static readonly DowningMember[] TwoSeedsTwoNodes = [Seed(S1), Seed(S2), Node(N1), Node(N2)];

    [Fact]
    public void Nothing_is_downed_while_every_member_is_reachable()
    {
        var outcome = RegistryAwareDowning.Decide(TwoSeedsTwoNodes, [], downIfAlone: true);
        Assert.Empty(outcome.Down);
    }

    [Fact]
    public void F9_two_seeds_that_lose_only_each_other_lose_the_younger_one_only()
    {
        var outcome = RegistryAwareDowning.Decide(TwoSeedsTwoNodes, [Saw(S1, S2), Saw(S2, S1)], downIfAlone: true);
        Assert.Equal(Hosts(S2), Hosts(outcome.Down));
        Assert.Contains("oldest registry member", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void F9_the_younger_seed_is_downed_whichever_seed_is_listed_first_in_the_records()
    {
        // The singleton runs on the oldest registry member; keeping it means no handover.
        var outcome = RegistryAwareDowning.Decide([Node(N1), Seed(S2), Seed(S1)], [Saw(S1, S2), Saw(S2, S1)], downIfAlone: true);
        Assert.Equal(Hosts(S1), Hosts(outcome.Down));
    }

    [Fact]
    public void F13_a_node_cut_from_the_seed_one_way_is_downed_alone_and_never_the_seed()
    {
        // h2 drops what the seed sends: each sees the other unreachable, the other node sees both.
        DowningMember[] members = [Seed(S1), Node(N1), Node(N2)];
        var outcome = RegistryAwareDowning.Decide(members, [Saw(S1, N2), Saw(N2, S1)], downIfAlone: true);
        Assert.Equal(Hosts(N2), Hosts(outcome.Down));
    }

    [Fact]
    public void Two_nodes_that_lose_only_each_other_are_both_downed_as_in_akka()
    {
        var outcome = RegistryAwareDowning.Decide(TwoSeedsTwoNodes, [Saw(N1, N2), Saw(N2, N1)], downIfAlone: true);
        Assert.Equal(Hosts(N1, N2), Hosts(outcome.Down));
    }

    [Fact]
    public void F10_a_node_cut_off_from_everyone_is_downed_by_the_others()
    {
        var outcome = RegistryAwareDowning.Decide(TwoSeedsTwoNodes, [Saw(S1, N2), Saw(S2, N2), Saw(N1, N2)], downIfAlone: true);
        Assert.Equal(Hosts(N2), Hosts(outcome.Down));
    }

    [Fact]
    public void F10_the_cut_off_node_downs_itself_and_never_the_seeds()
    {
        var outcome = RegistryAwareDowning.Decide(TwoSeedsTwoNodes, [Saw(N2, S1), Saw(N2, S2), Saw(N2, N1)], downIfAlone: true);
        Assert.Equal(Hosts(N2), Hosts(outcome.Down));
    }

    [Fact]
    public void F8_the_rest_down_the_oldest_seed_cut_off_alone()
    {
        var outcome = RegistryAwareDowning.Decide(TwoSeedsTwoNodes, [Saw(S2, S1), Saw(N1, S1), Saw(N2, S1)], downIfAlone: true);
        Assert.Equal(Hosts(S1), Hosts(outcome.Down));
    }

    [Fact]
    public void F8_the_oldest_seed_cut_off_alone_downs_itself()
    {
        var outcome = RegistryAwareDowning.Decide(TwoSeedsTwoNodes, [Saw(S1, S2), Saw(S1, N1), Saw(S1, N2)], downIfAlone: true);
        Assert.Equal(Hosts(S1), Hosts(outcome.Down));
    }

    [Fact]
    public void The_only_seed_crashed_is_downed_by_two_nodes()
    {
        DowningMember[] members = [Seed(S1), Node(N1), Node(N2)];
        var outcome = RegistryAwareDowning.Decide(members, [Saw(N1, S1), Saw(N2, S1)], downIfAlone: true);
        Assert.Equal(Hosts(S1), Hosts(outcome.Down));
    }

    [Fact]
    public void With_one_seed_and_one_node_the_node_downs_itself_when_the_seed_is_away()
    {
        DowningMember[] members = [Seed(S1), Node(N1)];
        var outcome = RegistryAwareDowning.Decide(members, [Saw(N1, S1)], downIfAlone: true);
        Assert.Equal(Hosts(N1), Hosts(outcome.Down));
    }

    [Fact]
    public void Seeds_cut_from_every_node_keep_themselves_and_the_nodes_down_themselves()
    {
        var seedsSide = RegistryAwareDowning.Decide(TwoSeedsTwoNodes, [Saw(S1, N1), Saw(S1, N2), Saw(S2, N1), Saw(S2, N2)], downIfAlone: true);
        Assert.Equal(Hosts(N1, N2), Hosts(seedsSide.Down));
        var nodesSide = RegistryAwareDowning.Decide(TwoSeedsTwoNodes, [Saw(N1, S1), Saw(N1, S2), Saw(N2, S1), Saw(N2, S2)], downIfAlone: true);
        Assert.Equal(Hosts(N1, N2), Hosts(nodesSide.Down));
    }

    [Fact]
    public void A_node_that_became_the_oldest_member_does_not_keep_its_side_against_the_seeds()
    {
        // Every seed restarted: n1 is now the oldest member. A clean split {n1} / {s1, s2, n2}:
        // Akka's keep-oldest would keep n1's side; the registry's side is kept instead.
        DowningMember[] members = [Node(N1), Node(N2), Seed(S1), Seed(S2)];
        var rest = RegistryAwareDowning.Decide(members, [Saw(S1, N1), Saw(S2, N1), Saw(N2, N1)], downIfAlone: true);
        Assert.Equal(Hosts(N1), Hosts(rest.Down));
        var lone = RegistryAwareDowning.Decide(members, [Saw(N1, S1), Saw(N1, S2), Saw(N1, N2)], downIfAlone: true);
        Assert.Equal(Hosts(N1), Hosts(lone.Down));
    }

    [Fact]
    public void Without_a_registry_member_the_oldest_member_decides()
    {
        DowningMember[] members = [Node(N1), Node(N2), Node(At("n3"))];
        var outcome = RegistryAwareDowning.Decide(members, [Saw(N1, At("n3")), Saw(N2, At("n3"))], downIfAlone: true);
        Assert.Equal(Hosts(At("n3")), Hosts(outcome.Down));
    }

    [Fact]
    public void Records_about_members_already_down_are_ignored()
    {
        DowningMember[] members = [Seed(S1), Seed(S2) with { Status = MemberStatus.Down }, Node(N1), Node(N2)];
        var outcome = RegistryAwareDowning.Decide(members, [Saw(S1, S2), Saw(S2, S1)], downIfAlone: true);
        Assert.Empty(outcome.Down);
    }

    [Fact]
    public void The_reachability_table_is_readable_in_this_akka_version() => ReachabilityTable.EnsureReadable();

    private static UniqueAddress At(string host) => new(new Address("akka.tcp", "overlay", host, 4053), host.GetHashCode(StringComparison.Ordinal));

    private static string[] Hosts(params IEnumerable<UniqueAddress> addresses) => addresses.Select(a => a.Address.Host!).Order(StringComparer.Ordinal).ToArray();

    private static DowningMember Seed(UniqueAddress a) => new(a, MemberStatus.Up, Registry: true);

    private static DowningMember Node(UniqueAddress a) => new(a, MemberStatus.Up, Registry: false);

    private static UnreachableObservation Saw(UniqueAddress observer, UniqueAddress subject) => new(observer, subject);
}
