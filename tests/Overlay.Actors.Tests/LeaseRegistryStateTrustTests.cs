using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using static Overlay.Actors.Tests.RegistryTestKit;

namespace Overlay.Actors.Tests;

/// <summary>The registry's trust rules (issues 13 and 15) on the pure state: identity conflicts,
/// authorisation by sender address, the journal's network config winning over a seed's file,
/// member removal only for removals this incarnation saw, and expiry that a wall-clock step cannot
/// cause.</summary>
public partial class LeaseRegistryStateTests
{
    private const string H2 = "akka.tcp://overlay@192.0.2.12:4054";
    private const string H3 = "akka.tcp://overlay@192.0.2.13:4054";
    private const string Seed = "akka.tcp://overlay@192.0.2.2:4053";
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(5);

    private static CommandOrigin From(string address) => new(address);

    /// <summary>A fresh incarnation that sees <paramref name="live"/> as live nodes and the seed as a
    /// live registry member.</summary>
    private static RegistryIncarnation Seeing(params string[] live)
    {
        var seen = RegistryIncarnation.Fresh.WithMember(Seed, true, ["seed", "registry"]);
        foreach (var address in live)
            seen = seen.WithMember(address, true, ["node"]);
        return seen;
    }

    private static (LeaseRegistryState State, RegistryDecision Decision) RunAs(LeaseRegistryState state, ILeaseRegistryCommand command,
        CommandOrigin origin, RegistryIncarnation seen, TimeSpan? monotonic = null, DateTimeOffset? now = null)
    {
        var decision = state.Process(command, now ?? T0, Settings, origin, seen, monotonic ?? TimeSpan.Zero);
        return (state.ApplyAll(decision), decision);
    }

    /// <summary>h2 at H2 holds 10.244.1.0/24 with public IP 192.0.2.12.</summary>
    private static LeaseRegistryState H2Holds(RegistryIncarnation seen) =>
        RunAs(Configured(), Acquire("h2", "192.0.2.12", member: H2), From(H2), seen).State;

    // ---- identity (F27, F28) --------------------------------------------------------------------

    [Fact]
    public void A_second_host_with_a_live_hosts_name_is_refused_with_one_line_naming_both_and_nothing_persisted()
    {
        var seen = Seeing(H2, H3);
        var state = H2Holds(seen);

        var (after, decision) = RunAs(state, Acquire("h2", "192.0.2.13", member: H3), From(H3), seen);

        Assert.Equal(new LeaseRefused(LeaseRefusal.IdentityConflict, S("10.244.1.0/24"),
            "node name h2 is held by akka.tcp://overlay@192.0.2.12:4054 (10.244.1.0/24, public IP 192.0.2.12); " +
            "refusing akka.tcp://overlay@192.0.2.13:4054"), decision.Reply);
        Assert.Empty(decision.Events);
        Assert.Equal(H2, Assert.Single(after.Leases).MemberAddress);
    }

    [Fact]
    public void A_host_restarted_at_the_same_cluster_address_gets_its_lease_back()
    {
        var seen = Seeing(H2);
        var state = H2Holds(seen);
        var (_, decision) = RunAs(state, Acquire("h2", "192.0.2.12", member: H2), From(H2), seen);
        Assert.Equal(S("10.244.1.0/24"), Granted(decision).Subnet);
    }

    [Theory]
    [InlineData("removed")]
    [InlineData("downed")]
    [InlineData("never seen")]
    public void A_name_whose_holder_is_no_longer_a_live_member_goes_to_the_new_address(string holder)
    {
        var seen = Seeing(H2, H3);
        var state = H2Holds(seen);
        seen = holder switch
        {
            "removed" => seen.WithRemoved(H2, TimeSpan.FromSeconds(1)),
            "downed" => seen.WithMember(H2, live: false, ["node"]),
            _ => Seeing(H3),
        };

        var (after, decision) = RunAs(state, Acquire("h2", "192.0.2.13", member: H3), From(H3), seen);

        Assert.Equal(S("10.244.1.0/24"), Granted(decision).Subnet);
        var lease = Assert.Single(after.Leases);
        Assert.Equal(H3, lease.MemberAddress);
        Assert.Equal(Ip("192.0.2.13"), lease.PublicIp);
    }

    [Fact]
    public void Two_live_nodes_with_one_public_ip_the_second_is_refused_on_every_retry_and_the_journal_stays_quiet()
    {
        var seen = Seeing(H2, H3);
        var state = H2Holds(seen);
        var version = state.Version;

        for (var retry = 0; retry < 5; retry++)
        {
            var (next, decision) = RunAs(state, Acquire("h3", "192.0.2.12", member: H3), From(H3), seen,
                now: T0 + TimeSpan.FromSeconds(2 * retry));
            var refused = Assert.IsType<LeaseRefused>(decision.Reply);
            Assert.Equal(LeaseRefusal.IdentityConflict, refused.Kind);
            Assert.Equal("public IP 192.0.2.12 is held by node h2 at akka.tcp://overlay@192.0.2.12:4054 (10.244.1.0/24); " +
                         "refusing node h3 at akka.tcp://overlay@192.0.2.13:4054", refused.Reason);
            Assert.Empty(decision.Events);
            state = next;
        }

        // The holder keeps renewing undisturbed: no ping-pong.
        var (_, renewal) = RunAs(state, new RenewLease("h2", S("10.244.1.0/24")), From(H2), seen, now: T0 + TimeSpan.FromMinutes(1));
        Assert.IsType<LeaseRenewalSucceeded>(renewal.Reply);
        Assert.Equal(version, state.Version);
    }

    [Fact]
    public void A_node_that_moves_onto_a_public_ip_a_live_member_holds_under_another_name_is_refused()
    {
        var seen = Seeing(H2, H3);
        var state = H2Holds(seen);
        (state, _) = RunAs(state, Acquire("h3", "192.0.2.13", member: H3), From(H3), seen);

        var (_, decision) = RunAs(state, Acquire("h3", "192.0.2.12", member: H3), From(H3), seen);

        Assert.Equal(LeaseRefusal.IdentityConflict, Assert.IsType<LeaseRefused>(decision.Reply).Kind);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void A_renamed_host_takes_its_public_ips_lease_once_the_old_name_is_no_longer_live_like_flannel()
    {
        var seen = Seeing(H2, H3);
        var state = H2Holds(seen);
        seen = seen.WithRemoved(H2, TimeSpan.Zero);
        var (after, decision) = RunAs(state, Acquire("h2-renamed", "192.0.2.12", member: H3), From(H3), seen);
        Assert.Equal(S("10.244.1.0/24"), Granted(decision).Subnet);
        Assert.Equal("h2-renamed", Assert.Single(after.Leases).NodeName);
    }

    [Fact]
    public void The_member_address_is_the_senders_and_a_forged_one_is_refused()
    {
        var seen = Seeing(H2, H3);
        var state = Configured();

        var (after, granted) = RunAs(state, Acquire("h2", "192.0.2.12", member: ""), From(H2), seen);
        Assert.Equal(H2, Granted(granted).MemberAddress);

        var (_, forged) = RunAs(after, Acquire("h2", "192.0.2.12", member: H2), From(H3), seen);
        Assert.Equal(new LeaseRefused(LeaseRefusal.NotHolder, null,
            $"AcquireLease for h2 declares member {H2} but came from {H3}; refusing"), forged.Reply);
        Assert.Empty(forged.Events);

        var (_, anonymous) = RunAs(after, Acquire("h9", "192.0.2.19"), CommandOrigin.Anonymous, seen);
        Assert.Equal(LeaseRefusal.NotHolder, Assert.IsType<LeaseRefused>(anonymous.Reply).Kind);
        Assert.Empty(anonymous.Events);
    }

    // ---- authorisation ---------------------------------------------------------------

    [Fact]
    public void Renew_and_release_are_honoured_only_from_the_holders_member_address()
    {
        var seen = Seeing(H2, H3);
        var state = H2Holds(seen);
        var subnet = S("10.244.1.0/24");

        foreach (ILeaseRegistryCommand command in new ILeaseRegistryCommand[] { new RenewLease("h2", subnet), new ReleaseLease("h2", subnet) })
        {
            var (_, refused) = RunAs(state, command, From(H3), seen);
            Assert.Equal(new LeaseRefused(LeaseRefusal.NotHolder, subnet,
                $"{command.GetType().Name} for 10.244.1.0/24 (h2) from {H3} refused: the lease is held by {H2}"), refused.Reply);
            Assert.Empty(refused.Events);

            var (_, anonymous) = RunAs(state, command, CommandOrigin.Anonymous, seen);
            Assert.IsType<LeaseRefused>(anonymous.Reply);

            var (_, ok) = RunAs(state, command, From(H2), seen, monotonic: TimeSpan.FromHours(1));
            Assert.Single(ok.Events);
            var (_, local) = RunAs(state, command, CommandOrigin.Local, seen, monotonic: TimeSpan.FromHours(1));
            Assert.Single(local.Events);
        }
    }

    [Fact]
    public void A_lease_without_a_member_address_is_renewable_by_any_member_as_before()
    {
        var state = Configured();
        (state, _) = state.Run(Acquire("old", "192.0.2.40", member: ""));
        var (_, decision) = RunAs(state, new RenewLease("old", S("10.244.1.0/24")), From(H3), Seeing(H3));
        Assert.IsType<LeaseRenewalSucceeded>(decision.Reply);
    }

    [Fact]
    public void Config_changes_and_evictions_are_honoured_only_from_a_live_registry_member()
    {
        var seen = Seeing(H2, H3);
        var state = H2Holds(seen);
        var wider = NetworkConfigParser.Parse("""{"Network":"10.0.0.0/8"}""");
        ILeaseRegistryCommand[] commands = [new ConfigureNetwork(wider), new ApplyNetworkConfig(wider), new EvictLease(S("10.244.1.0/24"))];

        foreach (var command in commands)
        {
            var (_, refused) = RunAs(state, command, From(H3), seen);
            var refusal = Assert.IsType<LeaseRefused>(refused.Reply);
            Assert.Equal(LeaseRefusal.NotRegistryMember, refusal.Kind);
            Assert.StartsWith($"{command.GetType().Name}", refusal.Reason);
            Assert.Contains($"from {H3} refused: only a live member with the 'registry' role", refusal.Reason);
            Assert.Empty(refused.Events);

            // A seed that left is no longer trusted either.
            var (_, gone) = RunAs(state, command, From(Seed), seen.WithRemoved(Seed, TimeSpan.Zero));
            Assert.IsType<LeaseRefused>(gone.Reply);
        }

        Assert.NotEmpty(RunAs(state, commands[1], From(Seed), seen).Decision.Events);
        Assert.NotEmpty(RunAs(state, commands[2], From(Seed), seen).Decision.Events);
        Assert.NotEmpty(RunAs(state, commands[2], CommandOrigin.Local, seen).Decision.Events);
    }

    // ---- config drift (F29) ---------------------------------------------------------------------

    [Fact]
    public void A_different_offered_config_is_reported_as_drift_and_ends_no_lease()
    {
        var state = Configured().WithNodes("a", "b", "c", "d");
        var narrower = NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16","SubnetMin":"10.244.2.0","SubnetMax":"10.244.3.0"}""");

        var (after, decision) = RunAs(state, new ConfigureNetwork(narrower), From(Seed), Seeing());

        Assert.Equal(new NetworkConfigDrifted(Net, narrower, state.Version), decision.Reply);
        Assert.Empty(decision.Events);
        Assert.Equal(4, after.Leases.Count);
        Assert.Equal(Net, after.Network);
    }

    [Fact]
    public void The_first_offered_config_is_taken_and_the_same_one_again_acknowledged()
    {
        var (state, first) = RunAs(LeaseRegistryState.Empty, new ConfigureNetwork(Tiny), From(Seed), Seeing());
        Assert.Equal(new NetworkConfigured(Tiny, 1), first.Reply);
        var (_, again) = RunAs(state, new ConfigureNetwork(Tiny), From(Seed), Seeing());
        Assert.Equal(new NetworkConfigured(Tiny, 1), again.Reply);
        Assert.Empty(again.Events);
    }

    [Fact]
    public void An_invalid_offered_config_is_rejected_even_when_one_is_held()
    {
        var inverted = Net with { SubnetMin = S("10.244.9.0/24"), SubnetMax = S("10.244.2.0/24") };
        var decision = Configured().Process(new ConfigureNetwork(inverted), T0, Settings);
        Assert.IsType<LeaseRequestRejected>(decision.Reply);
        Assert.Empty(decision.Events);
    }

    // ---- member removal: only removals this incarnation saw -------------------------------------

    [Fact]
    public void A_removed_holder_loses_its_lease_a_full_grace_after_this_incarnation_saw_the_removal_not_before()
    {
        var seen = Seeing(H2, H3);
        var state = H2Holds(seen);
        (state, _) = RunAs(state, Acquire("h3", "192.0.2.13", member: H3), From(H3), seen);
        var removedAt = TimeSpan.FromMinutes(7); // seen 7 min after this incarnation recovered
        seen = seen.WithRemoved(H2, removedAt);

        Assert.Empty(state.EndLeasesOfRemovedMembers(seen, removedAt + Grace - TimeSpan.FromTicks(1), Grace).Events);
        var decision = state.EndLeasesOfRemovedMembers(seen, removedAt + Grace, Grace);
        Assert.Equal([new LeaseEnded(S("10.244.1.0/24"), LeaseEndReason.MemberRemoved, state.Version + 1)], decision.Events);
    }

    [Fact]
    public void Holders_this_incarnation_never_saw_removed_get_nothing_from_member_removal_however_long()
    {
        // An island's registry on a shared journal: the other cluster's holders were never members
        // here (or left before this incarnation recovered); only their TTL may end their leases.
        var state = H2Holds(Seeing(H2));
        var island = RegistryIncarnation.Fresh.WithMember(Seed, true, ["registry"]);
        Assert.Empty(state.EndLeasesOfRemovedMembers(island, TimeSpan.FromDays(2), Grace).Events);
    }

    [Fact]
    public void A_removed_holder_back_at_the_same_address_keeps_its_lease()
    {
        var seen = Seeing(H2);
        var state = H2Holds(seen);
        seen = seen.WithRemoved(H2, TimeSpan.Zero).WithMember(H2, true, ["node"]);
        Assert.Empty(state.EndLeasesOfRemovedMembers(seen, TimeSpan.FromHours(1), Grace).Events);
        Assert.Empty(seen.RemovedAt);
    }

    [Fact]
    public void Settled_removals_of_members_without_leases_are_forgotten()
    {
        var seen = Seeing(H2, H3);
        var state = H2Holds(seen);
        seen = seen.WithRemoved(H2, TimeSpan.Zero).WithRemoved(H3, TimeSpan.Zero);

        Assert.Same(seen, seen.WithoutSettledRemovals(Grace - TimeSpan.FromTicks(1), Grace, state.HoldsLease));
        var pruned = seen.WithoutSettledRemovals(Grace, Grace, state.HoldsLease);
        Assert.Equal([H2], pruned.RemovedAt.Keys);               // h2 still holds a lease: its removal still counts
        Assert.False(pruned.Members.ContainsKey(H3));
        Assert.True(state.HoldsLease(H2));
        Assert.False(state.HoldsLease(H3));
    }

    [Fact]
    public void The_first_observed_removal_counts()
    {
        var seen = Seeing(H2).WithRemoved(H2, TimeSpan.FromMinutes(1)).WithRemoved(H2, TimeSpan.FromMinutes(4));
        Assert.Equal(TimeSpan.FromMinutes(1), seen.RemovedAt[H2]);
    }

    // ---- expiry on the monotonic clock (F7, F21, F22) -------------------------------------------

    /// <summary>h2's lease granted by this incarnation at monotonic <paramref name="grantedAt"/>, wall
    /// T0 (ExpiresAt T0 + TTL).</summary>
    private static (LeaseRegistryState, RegistryIncarnation) GrantedAt(TimeSpan grantedAt)
    {
        var seen = Seeing(H2);
        var (state, decision) = RunAs(Configured(), Acquire("h2", "192.0.2.12", member: H2), From(H2), seen, grantedAt);
        foreach (var e in decision.Events)
            seen = seen.WithPersisted(e, grantedAt);
        return (state, seen);
    }

    [Theory]
    [InlineData(13 * 60)] // +13 h after a failover
    [InlineData(10)]      // a +10 min step
    [InlineData(70)]      // +70 min: past ExpiresAt with TTL 1 h
    public void A_wall_clock_jump_ahead_expires_nothing_while_the_monotonic_clock_says_renewed_recently(int jumpMinutes)
    {
        var (state, seen) = GrantedAt(TimeSpan.FromMinutes(1));
        var wall = T0 + TimeSpan.FromMinutes(jumpMinutes) + Settings.Ttl;
        Assert.Empty(state.SweepExpired(wall, seen, TimeSpan.FromMinutes(30), Settings.Ttl).Events);
        // One TTL after the grant by the monotonic clock it expires, as it should.
        Assert.Single(state.SweepExpired(wall, seen, TimeSpan.FromMinutes(1) + Settings.Ttl, Settings.Ttl).Events);
    }

    [Fact]
    public void A_wall_clock_step_back_delays_an_expiry_and_never_brings_it_forward()
    {
        var (state, seen) = GrantedAt(TimeSpan.Zero);
        var mono = Settings.Ttl + TimeSpan.FromSeconds(1);
        Assert.Empty(state.SweepExpired(T0 + Settings.Ttl - TimeSpan.FromMinutes(10), seen, mono, Settings.Ttl).Events);
        Assert.Single(state.SweepExpired(T0 + Settings.Ttl, seen, mono, Settings.Ttl).Events);
    }

    [Fact]
    public void A_recovered_registry_gives_every_lease_a_full_ttl_from_recovery()
    {
        // Granted by an earlier incarnation; the new one recovers 2 h later by the wall clock, past
        // ExpiresAt, and has seen no renewal: monotonic time counts from its recovery (zero).
        var state = H2Holds(Seeing(H2));
        var recovered = RegistryIncarnation.Fresh;
        var wall = T0 + TimeSpan.FromHours(2);
        Assert.Empty(state.SweepExpired(wall, recovered, TimeSpan.Zero, Settings.Ttl).Events);
        Assert.Empty(state.SweepExpired(wall, recovered, Settings.Ttl - TimeSpan.FromSeconds(1), Settings.Ttl).Events);
        Assert.Single(state.SweepExpired(wall, recovered, Settings.Ttl, Settings.Ttl).Events);
    }

    [Fact]
    public void F22_a_renewal_from_a_node_whose_clock_lags_is_measured_on_the_registrys_clock()
    {
        // TTL 2 min; the node renews after 70 s (a third of what its -90 s clock believes is left).
        var ttl = TimeSpan.FromMinutes(2);
        var (state, seen) = GrantedAt(TimeSpan.Zero);
        var settings = Settings with { Ttl = ttl };
        var renewal = state.Process(new RenewLease("h2", S("10.244.1.0/24")), T0 + TimeSpan.FromSeconds(70), settings, From(H2),
            seen, TimeSpan.FromSeconds(70));
        state = state.ApplyAll(renewal);
        foreach (var e in renewal.Events)
            seen = seen.WithPersisted(e, TimeSpan.FromSeconds(70));
        Assert.Empty(state.SweepExpired(T0 + TimeSpan.FromSeconds(189), seen, TimeSpan.FromSeconds(189), ttl).Events);
    }

    [Fact]
    public void Time_the_registry_was_stalled_counts_against_no_lease_and_no_grace()
    {
        // h2 granted at 10 min; h3 granted by an earlier incarnation (counts from recovery), its holder
        // removed 2 min before the registry stalls.
        var (state, seen) = GrantedAt(TimeSpan.FromMinutes(10));
        (state, _) = RunAs(state, Acquire("h3", "192.0.2.13", member: H3), CommandOrigin.Local, seen);
        seen = seen.WithMember(H3, true, ["node"]).WithRemoved(H3, TimeSpan.FromMinutes(28));
        var stalledAt = TimeSpan.FromMinutes(30);
        var resumed = stalledAt + TimeSpan.FromHours(2); // SIGSTOP for 2 h, longer than TTL and grace
        var wall = T0 + TimeSpan.FromHours(3);

        Assert.Equal(2, state.SweepExpired(wall, seen, resumed, Settings.Ttl).Events.Count);  // what a stall would do
        var after = seen.WithStall(resumed - stalledAt, resumed);
        Assert.Empty(state.SweepExpired(wall, after, resumed, Settings.Ttl).Events);
        Assert.Empty(state.EndLeasesOfRemovedMembers(after, resumed, Grace).Events);
        Assert.Equal(TimeSpan.FromMinutes(10) + TimeSpan.FromHours(2), after.LastRenewal(S("10.244.1.0/24")));
        Assert.Equal(TimeSpan.FromHours(2), after.Baseline);

        // The rest of the grace and TTL run normally after the stall.
        Assert.NotEmpty(state.EndLeasesOfRemovedMembers(after, resumed + Grace, Grace).Events);
        var h3Expired = Assert.Single(state.SweepExpired(wall + Settings.Ttl, after, TimeSpan.FromHours(2) + Settings.Ttl, Settings.Ttl).Events);
        Assert.Equal(S("10.244.2.0/24"), ((LeaseEnded)h3Expired).Subnet);
        Assert.Same(seen, seen.WithStall(TimeSpan.Zero, resumed));
    }

    [Fact]
    public void Renewals_piled_up_by_a_failover_cost_one_event()
    {
        var (state, seen) = GrantedAt(TimeSpan.Zero);
        var window = LeaseRegistryState.RenewalCoalescingWindow(Settings.Ttl);
        Assert.Equal(TimeSpan.FromMinutes(1), window); // TTL 1 h: a twentieth (3 min) is over the 1 min cap
        Assert.Equal(TimeSpan.FromSeconds(6), LeaseRegistryState.RenewalCoalescingWindow(TimeSpan.FromMinutes(2)));
        var renew = new RenewLease("h2", S("10.244.1.0/24"));

        var first = state.Process(renew, T0 + TimeSpan.FromMinutes(30), Settings, From(H2), seen, TimeSpan.FromMinutes(30));
        Assert.Single(first.Events);
        state = state.ApplyAll(first);
        seen = seen.WithPersisted(first.Events[0], TimeSpan.FromMinutes(30));

        var piled = state.Process(renew, T0 + TimeSpan.FromMinutes(30), Settings, From(H2), seen, TimeSpan.FromMinutes(30) + window / 2);
        Assert.Empty(piled.Events);
        Assert.Equal(new LeaseRenewalSucceeded(state.Find(S("10.244.1.0/24"))!), piled.Reply);

        var later = state.Process(renew, T0 + TimeSpan.FromMinutes(40), Settings, From(H2), seen, TimeSpan.FromMinutes(30) + window);
        Assert.Single(later.Events);
    }

    [Fact]
    public void Acquires_the_holder_repeats_within_the_window_cost_no_event_and_a_changed_one_does()
    {
        var (state, seen) = GrantedAt(TimeSpan.Zero);
        var window = LeaseRegistryState.RenewalCoalescingWindow(Settings.Ttl);
        var held = state.Find(S("10.244.1.0/24"))!;
        var again = Acquire("h2", "192.0.2.12", member: H2);

        // A retry of the acquire that granted the lease (the reply was slow or lost): same lease, no event.
        var retried = state.Process(again, T0 + window / 2, Settings, From(H2), seen, window / 2);
        Assert.Empty(retried.Events);
        Assert.Equal(held, Assert.IsType<LeaseAcquired>(retried.Reply).Lease);

        // After the window the acquire persists a grant again (it extends the lease, as before).
        Assert.Single(state.Process(again, T0 + window, Settings, From(H2), seen, window).Events);

        // Within the window, a changed port is not a repeat: it is granted, with an event.
        var moved = state.Process(Acquire("h2", "192.0.2.12", member: H2, port: 9000), T0, Settings, From(H2), seen, window / 2);
        Assert.Equal(9000, Assert.IsType<LeaseGranted>(Assert.Single(moved.Events)).Lease.Port);
    }
}
