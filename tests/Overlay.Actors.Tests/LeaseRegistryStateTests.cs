using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using static Overlay.Actors.Tests.RegistryTestKit;

namespace Overlay.Actors.Tests;

public partial class LeaseRegistryStateTests
{
    private static readonly NetworkConfig Net = NetworkConfigParser.Default;

    private static readonly NetworkConfig Tiny = NetworkConfigParser.Parse(
        """{"Network":"10.244.0.0/16","SubnetMin":"10.244.1.0","SubnetMax":"10.244.3.0"}""");

    // ---- empty and configuration ----------------------------------------------------------------

    [Fact]
    public void Empty_state_has_nothing()
    {
        var state = LeaseRegistryState.Empty;
        Assert.Equal(0, state.Version);
        Assert.Null(state.Network);
        Assert.Empty(state.Leases);
        Assert.Equal(0, state.FreeSubnetCount);
        Assert.Null(state.Find(S("10.244.1.0/24")));
    }

    [Fact]
    public void Acquire_without_network_is_rejected()
    {
        var decision = LeaseRegistryState.Empty.Process(Acquire("a", "192.0.2.1"), T0, Settings);
        Assert.Equal(new LeaseRequestRejected("network not configured"), decision.Reply);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void First_config_is_one_event_and_the_reply()
    {
        var decision = LeaseRegistryState.Empty.Process(new ConfigureNetwork(Net), T0, Settings);
        var expected = new NetworkConfigured(Net, 1);
        Assert.Equal(expected, decision.Reply);
        Assert.Equal([expected], decision.Events);

        var state = LeaseRegistryState.Empty.ApplyAll(decision);
        Assert.Equal(Net, state.Network);
        Assert.Equal(1, state.Version);
        Assert.Equal(255, state.FreeSubnetCount);
    }

    [Fact]
    public void Same_config_again_is_acknowledged_without_events()
    {
        var state = Configured().WithNodes("a");
        var decision = state.Process(new ConfigureNetwork(NetworkConfigParser.Parse("""{"network":"10.244.0.0/16"}""")), T0, Settings);
        Assert.Equal(new NetworkConfigured(Net, state.Version), decision.Reply);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Applied_config_ends_exactly_the_leases_it_no_longer_admits()
    {
        var state = Configured().WithNodes("a", "b", "c", "d"); // 10.244.1-4.0/24
        var narrower = NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16","SubnetMin":"10.244.2.0","SubnetMax":"10.244.3.0"}""");

        var decision = state.Process(new ApplyNetworkConfig(narrower), T0, Settings);

        var v = state.Version;
        var configured = new NetworkConfigured(narrower, v + 1);
        Assert.Equal(configured, decision.Reply);
        Assert.Equal<ILeaseEvent>(
            [configured,
             new LeaseEnded(S("10.244.1.0/24"), LeaseEndReason.Incompatible, v + 2),
             new LeaseEnded(S("10.244.4.0/24"), LeaseEndReason.Incompatible, v + 3)],
            decision.Events);

        state = state.ApplyAll(decision);
        Assert.Equal([S("10.244.2.0/24"), S("10.244.3.0/24")], state.Leases.Select(l => l.Subnet));
        Assert.Equal(0, state.FreeSubnetCount);
    }

    [Fact]
    public void Applying_a_new_SubnetLen_ends_every_lease_and_allocation_resumes_in_the_new_length()
    {
        var state = Configured().WithNodes("a", "b");
        var halves = NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16","SubnetLen":25}""");
        (state, _) = state.Run(new ApplyNetworkConfig(halves));
        Assert.Empty(state.Leases);

        (state, var decision) = state.Run(Acquire("a", "192.0.2.1"));
        Assert.Equal(S("10.244.0.128/25"), Granted(decision).Subnet);
    }

    [Fact]
    public void Invalid_config_is_rejected_without_events()
    {
        var inverted = Net with { SubnetMin = S("10.244.9.0/24"), SubnetMax = S("10.244.2.0/24") };
        var decision = LeaseRegistryState.Empty.Process(new ConfigureNetwork(inverted), T0, Settings);
        Assert.Equal(new LeaseRequestRejected("invalid network config: SubnetMin 10.244.9.0 is greater than SubnetMax 10.244.2.0"),
            decision.Reply);
        Assert.Empty(decision.Events);
    }

    // ---- acquire --------------------------------------------------------------------------------

    [Fact]
    public void First_acquire_gets_SubnetMin_with_every_attribute()
    {
        var state = Configured();
        var decision = state.Process(Acquire("node-a", "192.0.2.10", member: "akka.tcp://overlay@a:4053", port: 9000), T0, Settings);

        var expected = new Lease(S("10.244.1.0/24"), "node-a", Ip("192.0.2.10"), 9000, T0 + Settings.Ttl, 2,
            "akka.tcp://overlay@a:4053");
        Assert.Equal(new LeaseAcquired(expected, Net), decision.Reply);
        Assert.Equal([new LeaseGranted(expected)], decision.Events);

        state = state.ApplyAll(decision);
        Assert.Equal(expected, state.Find(expected.Subnet));
        Assert.Equal(254, state.FreeSubnetCount);
    }

    [Fact]
    public void A_node_that_asks_again_gets_its_own_lease_updated()
    {
        var state = Configured().WithNodes("a", "b");
        var held = state.Leases.Single(l => l.NodeName == "a");

        (state, var decision) = state.Run(Acquire("a", "192.0.2.99", requested: "10.244.77.0/24", member: "m2", port: 8300),
            T0 + TimeSpan.FromMinutes(5));

        var lease = Granted(decision);
        Assert.Equal(held.Subnet, lease.Subnet);
        Assert.Equal(Ip("192.0.2.99"), lease.PublicIp);
        Assert.Equal(8300, lease.Port);
        Assert.Equal("m2", lease.MemberAddress);
        Assert.Equal(T0 + TimeSpan.FromMinutes(5) + Settings.Ttl, lease.ExpiresAt);
        Assert.Equal(state.Version, lease.Version);
        Assert.Equal(2, state.Leases.Count);
    }

    [Fact]
    public void A_node_without_a_port_of_its_own_gets_the_networks_backend_port_in_its_lease()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16","Backend":{"Type":"udp","Port":8300}}""");
        var state = Configured(config);

        (state, var following) = state.Run(Acquire("a", "192.0.2.1", port: AcquireLease.FollowBackendPort));
        Assert.Equal(8300, Granted(following).Port);
        Assert.Equal(8300, Assert.IsType<LeaseGranted>(Assert.Single(following.Events)).Lease.Port);

        // An explicit port (--port) is what the node binds, so it is what the lease records.
        (_, var overriding) = state.Run(Acquire("b", "192.0.2.2", port: 9000));
        Assert.Equal(9000, Granted(overriding).Port);
    }

    [Fact]
    public void Same_public_ip_under_a_new_name_takes_over_that_lease_like_flannel()
    {
        var state = Configured();
        (state, var first) = state.Run(Acquire("old-name", "192.0.2.7"));
        (state, var second) = state.Run(Acquire("new-name", "192.0.2.7"));

        Assert.Equal(Granted(first).Subnet, Granted(second).Subnet);
        Assert.Equal("new-name", Assert.Single(state.Leases).NodeName);
    }

    [Fact]
    public void Node_name_wins_over_public_ip()
    {
        var state = Configured();
        (state, var a) = state.Run(Acquire("a", "192.0.2.1"));
        (state, var b) = state.Run(Acquire("b", "192.0.2.2"));

        // a moved to b's public IP: it still gets its own subnet, found by name first.
        (state, var again) = state.Run(Acquire("a", "192.0.2.2"));
        Assert.Equal(Granted(a).Subnet, Granted(again).Subnet);
        Assert.Equal(Granted(b).Subnet, state.Leases.Single(l => l.NodeName == "b").Subnet);
    }

    [Fact]
    public void A_free_valid_requested_subnet_is_honoured()
    {
        var (_, decision) = Configured().WithNodes("a").Run(Acquire("b", "192.0.2.2", requested: "10.244.42.0/24"));
        Assert.Equal(S("10.244.42.0/24"), Granted(decision).Subnet);
    }

    [Theory]
    [InlineData("10.244.1.0/24")]   // taken by a
    [InlineData("10.244.0.0/24")]   // below SubnetMin
    [InlineData("10.245.7.0/24")]   // outside the network
    [InlineData("10.244.42.0/25")]  // wrong length
    [InlineData("10.244.0.0/16")]   // the whole network
    public void A_taken_or_invalid_requested_subnet_falls_back_to_the_allocator(string requested)
    {
        var (_, decision) = Configured().WithNodes("a").Run(Acquire("b", "192.0.2.2", requested: requested));
        Assert.Equal(S("10.244.2.0/24"), Granted(decision).Subnet);
    }

    [Fact]
    public void Freed_subnets_are_handed_out_last()
    {
        var state = Configured().WithNodes("a", "b");
        var aSubnet = state.Leases.Single(l => l.NodeName == "a").Subnet;
        (state, _) = state.Run(new ReleaseLease("a", aSubnet));

        (state, var decision) = state.Run(Acquire("c", "192.0.2.3"));
        Assert.Equal(S("10.244.3.0/24"), Granted(decision).Subnet);
        Assert.Equal([new FreedSubnet(aSubnet, state.Version - 1)], state.Freed);
    }

    [Fact]
    public void When_only_freed_subnets_are_left_the_oldest_goes_first_and_is_no_longer_freed()
    {
        var state = Configured(Tiny).WithNodes("a", "b", "c");
        (state, _) = state.Run(new ReleaseLease("c", S("10.244.3.0/24")));
        (state, _) = state.Run(new ReleaseLease("a", S("10.244.1.0/24")));

        (state, var decision) = state.Run(Acquire("d", "192.0.2.4"));
        Assert.Equal(S("10.244.3.0/24"), Granted(decision).Subnet);
        Assert.Equal([S("10.244.1.0/24")], state.Freed.Select(f => f.Subnet));
    }

    [Fact]
    public void Full_network_answers_out_of_subnets_with_the_range()
    {
        var state = Configured();
        for (var i = 0; i < 255; i++)
            (state, _) = state.Run(Acquire($"n{i}", $"192.0.2.{i}"));
        Assert.Equal(0, state.FreeSubnetCount);

        var decision = state.Process(Acquire("late", "192.0.2.255", requested: "10.244.9.0/24"), T0, Settings);
        Assert.Equal(new LeaseRequestRejected("out of subnets in 10.244.0.0/16 (SubnetMin 10.244.1.0 .. SubnetMax 10.244.255.0)"),
            decision.Reply);
        Assert.Empty(decision.Events);
    }

    [Theory]
    [InlineData("", "192.0.2.1", 8285, "AcquireLease needs a node name")]
    [InlineData("a", "192.0.2.1", -1, "AcquireLease for a needs a port in 1..65535 (or 0 for Backend.Port): -1")]
    [InlineData("a", "192.0.2.1", 70000, "AcquireLease for a needs a port in 1..65535 (or 0 for Backend.Port): 70000")]
    public void Malformed_acquire_is_rejected(string node, string ip, int port, string reason)
    {
        var decision = Configured().Process(Acquire(node, ip, port: port), T0, Settings);
        Assert.Equal(new LeaseRequestRejected(reason), decision.Reply);
        Assert.Empty(decision.Events);
    }

    // ---- renew, release, evict ------------------------------------------------------------------

    [Fact]
    public void Renew_moves_expiry_and_version()
    {
        var state = Configured().WithNodes("a");
        var lease = Assert.Single(state.Leases);
        var later = T0 + TimeSpan.FromMinutes(30);

        var decision = state.Process(new RenewLease("a", lease.Subnet), later, Settings);

        var v = state.Version + 1;
        Assert.Equal([new LeaseRenewed(lease.Subnet, later + Settings.Ttl, v)], decision.Events);
        var renewed = lease with { ExpiresAt = later + Settings.Ttl, Version = v };
        Assert.Equal(new LeaseRenewalSucceeded(renewed), decision.Reply);
        Assert.Equal(renewed, state.ApplyAll(decision).Find(lease.Subnet));
    }

    [Theory]
    [InlineData("b", "10.244.1.0/24")] // someone else's
    [InlineData("a", "10.244.9.0/24")] // nobody's
    public void Renew_release_of_a_lease_the_node_does_not_hold_is_not_found(string node, string subnet)
    {
        var state = Configured().WithNodes("a", "b");
        foreach (ILeaseRegistryCommand command in new ILeaseRegistryCommand[] { new RenewLease(node, S(subnet)), new ReleaseLease(node, S(subnet)) })
        {
            var decision = state.Process(command, T0, Settings);
            Assert.Equal(new LeaseNotFound(S(subnet)), decision.Reply);
            Assert.Empty(decision.Events);
        }
    }

    [Fact]
    public void Release_ends_the_lease_and_remembers_the_subnet()
    {
        var state = Configured().WithNodes("a");
        var subnet = Assert.Single(state.Leases).Subnet;

        var decision = state.Process(new ReleaseLease("a", subnet), T0, Settings);

        var v = state.Version + 1;
        Assert.Equal(new LeaseRemovalSucceeded(subnet, v), decision.Reply);
        Assert.Equal([new LeaseEnded(subnet, LeaseEndReason.Released, v)], decision.Events);
        state = state.ApplyAll(decision);
        Assert.Empty(state.Leases);
        Assert.Equal([new FreedSubnet(subnet, v)], state.Freed);
        Assert.Equal(255, state.FreeSubnetCount);
    }

    [Fact]
    public void Evict_ends_whoever_holds_the_subnet()
    {
        var state = Configured().WithNodes("a", "b");
        var subnet = state.Leases.Single(l => l.NodeName == "b").Subnet;

        var decision = state.Process(new EvictLease(subnet), T0, Settings);

        var v = state.Version + 1;
        Assert.Equal(new LeaseRemovalSucceeded(subnet, v), decision.Reply);
        Assert.Equal([new LeaseEnded(subnet, LeaseEndReason.Evicted, v)], decision.Events);
        Assert.Equal(["a"], state.ApplyAll(decision).Leases.Select(l => l.NodeName));
    }

    [Theory]
    [InlineData("10.244.9.0/24")]
    [InlineData("10.244.0.0/16")] // contains a lease, but is not exactly one
    public void Evict_of_no_exact_lease_is_not_found(string subnet)
    {
        var decision = Configured().WithNodes("a").Process(new EvictLease(S(subnet)), T0, Settings);
        Assert.Equal(new LeaseNotFound(S(subnet)), decision.Reply);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Snapshot_query_lists_leases_in_subnet_order_without_events()
    {
        var state = Configured().WithNodes("a", "b", "c");
        (state, _) = state.Run(new ReleaseLease("a", S("10.244.1.0/24")));
        (state, _) = state.Run(Acquire("d", "192.0.2.200", requested: "10.244.200.0/24"));
        (state, _) = state.Run(Acquire("e", "192.0.2.201"));

        var decision = state.Process(GetLeaseSnapshot.Instance, T0, Settings);

        var snapshot = Assert.IsType<LeaseSnapshot>(decision.Reply);
        Assert.Empty(decision.Events);
        Assert.Equal(state.Version, snapshot.Version);
        Assert.Equal(Net, snapshot.Network);
        Assert.Equal(["10.244.2.0/24", "10.244.3.0/24", "10.244.4.0/24", "10.244.200.0/24"],
            snapshot.Leases.Select(l => l.Subnet.ToString()));
    }

    private sealed record NotARegistryCommand : ILeaseRegistryCommand;

    [Fact]
    public void Unknown_command_is_rejected_by_name()
    {
        var decision = Configured().Process(new NotARegistryCommand(), T0, Settings);
        Assert.Equal(new LeaseRequestRejected("unsupported command: NotARegistryCommand"), decision.Reply);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Process_never_changes_the_state()
    {
        var state = Configured().WithNodes("a");
        var before = Describe(state.Process(GetLeaseSnapshot.Instance, T0, Settings));
        state.Process(Acquire("b", "192.0.2.2"), T0, Settings);
        state.Process(new ReleaseLease("a", S("10.244.1.0/24")), T0, Settings);
        state.Process(new ConfigureNetwork(Tiny with { SubnetMin = S("10.244.2.0/24") }), T0, Settings);
        state.SweepExpired(T0 + TimeSpan.FromDays(2));
        Assert.Equal(before, Describe(state.Process(GetLeaseSnapshot.Instance, T0, Settings)));
    }

    // ---- expiry and member removal --------------------------------------------------------------

    [Fact]
    public void Sweep_ends_exactly_the_expired_leases()
    {
        var state = Configured();
        (state, _) = state.Run(Acquire("early", "192.0.2.1"), T0);
        (state, _) = state.Run(Acquire("late", "192.0.2.2"), T0 + TimeSpan.FromMinutes(10));
        (state, _) = state.Run(Acquire("renewed", "192.0.2.3"), T0);
        (state, _) = state.Run(new RenewLease("renewed", S("10.244.3.0/24")), T0 + TimeSpan.FromMinutes(20));

        Assert.Empty(state.SweepExpired(T0 + Settings.Ttl - TimeSpan.FromTicks(1)).Events);

        var decision = state.SweepExpired(T0 + Settings.Ttl);
        Assert.Null(decision.Reply);
        Assert.Equal([new LeaseEnded(S("10.244.1.0/24"), LeaseEndReason.Expired, state.Version + 1)], decision.Events);

        var sweep = state.SweepExpired(T0 + Settings.Ttl + TimeSpan.FromMinutes(15));
        Assert.Equal<ILeaseEvent>(
            [new LeaseEnded(S("10.244.1.0/24"), LeaseEndReason.Expired, state.Version + 1),
             new LeaseEnded(S("10.244.2.0/24"), LeaseEndReason.Expired, state.Version + 2)],
            sweep.Events);
        Assert.Equal(["renewed"], state.ApplyAll(sweep).Leases.Select(l => l.NodeName));
    }

    [Fact]
    public void Removed_member_loses_its_lease_after_the_grace_period_not_before()
    {
        var grace = TimeSpan.FromMinutes(5);
        var state = Configured();
        (state, _) = state.Run(Acquire("a", "192.0.2.1", member: "akka.tcp://overlay@a:4053"));
        (state, _) = state.Run(Acquire("b", "192.0.2.2", member: "akka.tcp://overlay@b:4053"));
        var removed = new Dictionary<string, DateTimeOffset> { ["akka.tcp://overlay@a:4053"] = T0 };

        Assert.Empty(state.EndLeasesOfRemovedMembers(removed, T0 + grace - TimeSpan.FromSeconds(1), grace).Events);

        var decision = state.EndLeasesOfRemovedMembers(removed, T0 + grace, grace);
        Assert.Null(decision.Reply);
        Assert.Equal([new LeaseEnded(S("10.244.1.0/24"), LeaseEndReason.MemberRemoved, state.Version + 1)], decision.Events);
        Assert.Equal(["b"], state.ApplyAll(decision).Leases.Select(l => l.NodeName));
    }

    [Fact]
    public void A_node_that_comes_back_under_a_new_member_address_within_grace_keeps_its_subnet()
    {
        var grace = TimeSpan.FromMinutes(5);
        var state = Configured();
        (state, var first) = state.Run(Acquire("a", "192.0.2.1", member: "akka.tcp://overlay@a:4053"));
        var removed = new Dictionary<string, DateTimeOffset> { ["akka.tcp://overlay@a:4053"] = T0 };

        (state, var again) = state.Run(Acquire("a", "192.0.2.1", member: "akka.tcp://overlay@a:4054"), T0 + TimeSpan.FromMinutes(1));
        Assert.Equal(Granted(first).Subnet, Granted(again).Subnet);

        Assert.Empty(state.EndLeasesOfRemovedMembers(removed, T0 + grace * 2, grace).Events);
        Assert.Single(state.Leases);
    }

    [Fact]
    public void Leases_with_unknown_member_address_are_not_ended_by_member_removal()
    {
        var state = Configured();
        (state, _) = state.Run(Acquire("a", "192.0.2.1", member: ""));
        var removed = new Dictionary<string, DateTimeOffset> { [""] = T0 };
        Assert.Empty(state.EndLeasesOfRemovedMembers(removed, T0 + TimeSpan.FromDays(1), TimeSpan.Zero).Events);
    }

    // ---- apply, snapshots, bounds ---------------------------------------------------------------

    [Fact]
    public void Apply_accepts_only_the_next_version()
    {
        var state = Configured(); // version 1
        var e = Assert.Throws<InvalidOperationException>(() => state.Apply(new NetworkConfigured(Tiny, 3)));
        Assert.Equal("cannot apply NetworkConfigured version 3 to the lease registry at version 1: expected version 2", e.Message);
        Assert.Throws<InvalidOperationException>(() => state.Apply(new NetworkConfigured(Tiny, 1)));
        Assert.Equal(2, state.Apply(new NetworkConfigured(Tiny, 2)).Version);
    }

    [Fact]
    public void Apply_refuses_grants_that_break_the_invariant()
    {
        var lease = new Lease(S("10.244.1.0/24"), "a", Ip("192.0.2.1"), 8285, T0, 1, "");
        Assert.Contains("no network config",
            Assert.Throws<InvalidOperationException>(() => LeaseRegistryState.Empty.Apply(new LeaseGranted(lease))).Message);

        var state = Configured(Tiny);
        foreach (var subnet in new[] { "10.244.0.0/24", "10.244.4.0/24", "10.244.1.0/25", "10.244.0.0/16" })
        {
            var bad = lease with { Subnet = S(subnet), Version = 2 };
            Assert.Contains($"cannot grant {subnet} to a",
                Assert.Throws<InvalidOperationException>(() => state.Apply(new LeaseGranted(bad))).Message);
        }
    }

    [Fact]
    public void Apply_refuses_a_grant_overlapping_a_lease_a_new_config_has_not_ended_yet()
    {
        var state = Configured().WithNodes("a"); // 10.244.1.0/24
        var halves = NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16","SubnetLen":25}""");
        var configured = state.Apply(new NetworkConfigured(halves, state.Version + 1)); // LeaseEnded not applied yet

        var overlapping = new Lease(S("10.244.1.128/25"), "b", Ip("192.0.2.2"), 8285, T0, configured.Version + 1, "");
        Assert.Contains("overlaps the live lease 10.244.1.0/24",
            Assert.Throws<InvalidOperationException>(() => configured.Apply(new LeaseGranted(overlapping))).Message);

        // And the allocator and the requested-subnet check step around it meanwhile.
        var decision = configured.Process(Acquire("b", "192.0.2.2", requested: "10.244.1.0/25"), T0, Settings);
        var granted = Granted(decision).Subnet;
        Assert.False(granted.Overlaps(S("10.244.1.0/24")));
        Assert.Equal(S("10.244.0.128/25"), granted);
    }

    [Fact]
    public void Apply_refuses_renewals_and_ends_of_unknown_leases()
    {
        var state = Configured();
        Assert.Throws<InvalidOperationException>(() => state.Apply(new LeaseRenewed(S("10.244.1.0/24"), T0, 2)));
        Assert.Throws<InvalidOperationException>(() => state.Apply(new LeaseEnded(S("10.244.1.0/24"), LeaseEndReason.Released, 2)));
    }

    [Fact]
    public void Snapshot_round_trip_behaves_the_same()
    {
        var state = Configured(Tiny).WithNodes("a", "b", "c");
        (state, _) = state.Run(new ReleaseLease("b", S("10.244.2.0/24")));
        (state, _) = state.Run(new ReleaseLease("a", S("10.244.1.0/24")));
        (state, _) = state.Run(new RenewLease("c", S("10.244.3.0/24")), T0 + TimeSpan.FromMinutes(3));

        var restored = LeaseRegistryState.FromSnapshot(state.ToSnapshot());

        Assert.Equal(state.Version, restored.Version);
        Assert.Equal(state.Network, restored.Network);
        Assert.Equal(state.Leases, restored.Leases);
        Assert.Equal(state.Freed, restored.Freed);
        Assert.Equal(state.FreeSubnetCount, restored.FreeSubnetCount);

        ILeaseRegistryCommand[] script =
        [
            Acquire("d", "192.0.2.4"), Acquire("e", "192.0.2.5"), Acquire("f", "192.0.2.6"),
            new RenewLease("c", S("10.244.3.0/24")), new EvictLease(S("10.244.3.0/24")), Acquire("g", "192.0.2.7"),
            GetLeaseSnapshot.Instance,
        ];
        foreach (var command in script)
        {
            (state, var expected) = state.Run(command, T0 + TimeSpan.FromMinutes(4));
            (restored, var actual) = restored.Run(command, T0 + TimeSpan.FromMinutes(4));
            Assert.Equal(Describe(expected), Describe(actual));
        }
        Assert.Equal(Describe(state.SweepExpired(T0 + TimeSpan.FromDays(1))), Describe(restored.SweepExpired(T0 + TimeSpan.FromDays(1))));
    }

    [Fact]
    public void Empty_snapshot_round_trips()
    {
        var restored = LeaseRegistryState.FromSnapshot(LeaseRegistryState.Empty.ToSnapshot());
        Assert.Equal(0, restored.Version);
        Assert.Null(restored.Network);
        Assert.Equal(new LeaseRequestRejected("network not configured"), restored.Process(Acquire("a", "192.0.2.1"), T0, Settings).Reply);
    }

    [Fact]
    public void Snapshot_with_overlapping_leases_is_refused()
    {
        var a = new Lease(S("10.244.1.0/24"), "a", Ip("192.0.2.1"), 8285, T0, 2, "");
        var b = a with { Subnet = S("10.244.0.0/16"), NodeName = "b" };
        var snapshot = new RegistrySnapshot(3, Net, [a, b], []);
        Assert.Equal("snapshot at version 3 has overlapping leases 10.244.0.0/16 and 10.244.1.0/24",
            Assert.Throws<InvalidOperationException>(() => LeaseRegistryState.FromSnapshot(snapshot)).Message);
    }

    [Fact]
    public void Freed_memory_is_bounded_and_forgets_the_oldest()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.0.0.0/8","SubnetLen":24}""");
        var state = Configured(config);
        const int churn = OverlayConstants.MaxFreedSubnetsRemembered + 1; // indexes 0..4096 used once each
        for (var i = 0; i < churn; i++)
        {
            (state, var decision) = state.Run(Acquire($"n{i}", "192.0.2.1"));
            (state, _) = state.Run(new ReleaseLease($"n{i}", Granted(decision).Subnet));
        }
        Assert.Equal(OverlayConstants.MaxFreedSubnetsRemembered, state.Freed.Count);
        Assert.Equal(SubnetAllocator.SubnetAt(config, 1), state.Freed[0].Subnet);
        Assert.DoesNotContain(state.Freed, f => f.Subnet == SubnetAllocator.SubnetAt(config, 0));

        // The forgotten one counts as never used again, so it goes out before index 4097.
        (_, var next) = state.Run(Acquire("again", "192.0.2.2"));
        Assert.Equal(SubnetAllocator.SubnetAt(config, 0), Granted(next).Subnet);
    }
}
