using Overlay.Actors.Addressing;
using Overlay.Actors.Leases;
using Overlay.Faults.Tests.Checker;
using Overlay.Faults.Tests.History;
using static Overlay.Faults.Tests.CheckerTests.Histories;

namespace Overlay.Faults.Tests.CheckerTests;

/// <summary>Each invariant on a hand-made history that keeps it and on one that breaks it; the
/// evidence must name what broke it.</summary>
public sealed class InvariantTests
{
    private static CheckResult Run(Check check, FaultHistory history)
    {
        var verdict = FaultChecker.Check(history with { Expect = history.Expect with { Checks = [check] } });
        return Assert.Single(verdict.Results);
    }

    private static void Holds(Check check, FaultHistory history)
    {
        var result = Run(check, history);
        Assert.True(result.Held, $"{result.Id} violated: {result.Evidence}");
    }

    private static void Violated(Check check, FaultHistory history, params string[] evidence)
    {
        var result = Run(check, history);
        Assert.False(result.Held, $"{result.Id} held: {result.Evidence}");
        foreach (string part in evidence)
        {
            Assert.Contains(part, result.Evidence);
        }
    }

    [Fact]
    public void Every_check_holds_on_the_healthy_history()
    {
        var all = Enum.GetValues<Check>().Except([Check.Refused, Check.DriftReported, Check.WritesResume, Check.UnreadyDuringFault]).ToArray();
        var verdict = FaultChecker.Check(Healthy(all).Append((new LeaseRenewed(Ipv4Subnet.Parse(Subnet1), DateTimeOffset.UnixEpoch.AddHours(2), 4), 20)));
        Assert.True(verdict.AllHeld, string.Join("; ", verdict.Violations.Select(v => $"{v.Id}: {v.Evidence}")));
        Assert.Equal(0, verdict.Probes.Lost);
    }

    [Fact]
    public void I1_holds_when_hosts_use_distinct_subnets() => Holds(Check.I1NoDuplicateSubnet, Healthy());

    [Fact]
    public void I1_is_violated_by_two_live_hosts_on_one_subnet() =>
        Violated(Check.I1NoDuplicateSubnet, Healthy().EditHost("h2", 12, 14, h => h with { Overlay0 = "10.244.1.0/32" }), "t=12.0s", "h1 and h2", Subnet1, "3 ticks");

    [Fact]
    public void I1_ignores_a_host_whose_node_is_not_running() =>
        Holds(Check.I1NoDuplicateSubnet, Healthy().EditHost("h2", 12, 14, h => h with { NodeRunning = false, SubnetEnv = "10.244.1.1/24" }));

    [Fact]
    public void I1_ignores_a_host_whose_node_the_row_has_stopped_while_another_takes_its_subnet() =>
        // F4: h2 SIGSTOPped (running, not wanted) from 10 s to 30 s; from 20 s a newcomer on h1's
        // side of the pool uses h2's subnet. h2 is continued at 30 s and has left the subnet by then.
        Holds(Check.I1NoDuplicateSubnet, Healthy()
            .EditProcess("h2", 10, 29, p => p with { Wanted = false })
            .EditHost("h1", 20, 29, h => h with { Overlay0 = "10.244.2.0/32" })
            .EditHost("h2", 30, 40, h => h with { NodeRunning = false }));

    [Fact]
    public void I1_counts_a_stopped_host_again_once_the_row_continues_it() =>
        Violated(Check.I1NoDuplicateSubnet, Healthy()
            .EditProcess("h2", 10, 29, p => p with { Wanted = false })
            .EditHost("h1", 20, 40, h => h with { Overlay0 = "10.244.2.0/32" }), "t=30.0s", "h1 and h2", Subnet2, "11 ticks");

    [Fact]
    public void I2_holds_for_a_member_removed_after_the_grace_of_a_dead_holder()
    {
        // h2 dies at 10 s; the seed stops listing it; its lease ends at 25 s, 15 s after (grace 10 s).
        var history = Healthy()
            .EditProcess("h2", 10, 40, p => p with { Running = false, Wanted = false, Members = null, LeaseSubnet = null, Routes = null })
            .EditProcess("seed", 10, 40, p => p with { Members = [new MemberView(SeedAddress, "Up", true), new MemberView(H1, "Up", true)] })
            .Append((new LeaseEnded(Ipv4Subnet.Parse(Subnet2), LeaseEndReason.MemberRemoved, 4), 25));
        Holds(Check.I2NoLeaseLost, history);
    }

    [Fact]
    public void I2_is_violated_by_a_member_removed_end_while_the_seed_saw_the_holder_up() =>
        Violated(Check.I2NoLeaseLost, Healthy().Append((new LeaseEnded(Ipv4Subnet.Parse(Subnet2), LeaseEndReason.MemberRemoved, 4), 25)),
            "v4 ended 10.244.2.0/24 of n2: MemberRemoved", "seed saw h2 Up");

    [Fact]
    public void I2_is_violated_by_an_expiry_while_the_holder_ran() =>
        Violated(Check.I2NoLeaseLost, Healthy().Append((new LeaseEnded(Ipv4Subnet.Parse(Subnet1), LeaseEndReason.Expired, 4), 30)), "Expired", "h1 was running");

    [Fact]
    public void I2_is_violated_by_an_eviction_nobody_made() =>
        Violated(Check.I2NoLeaseLost, Healthy().Append((new LeaseEnded(Ipv4Subnet.Parse(Subnet1), LeaseEndReason.Evicted, 4), 30)), "no operator evicted");

    [Fact]
    public void I2_is_violated_by_a_lease_taken_over_by_another_node() =>
        Violated(Check.I2NoLeaseLost, Healthy().Append((new LeaseGranted(Lease(Subnet1, "n3", 4, "akka.tcp://overlay@192.0.2.13:4054")), 30)), "granted 10.244.1.0/24 to n3", "while n1 held it");

    [Fact]
    public void I2_is_violated_by_an_acknowledged_lease_missing_from_the_journal() =>
        Violated(Check.I2NoLeaseLost, Healthy() with { Journal = Journal((new Actors.Leases.NetworkConfigured(Network, 1), 0.5), (new LeaseGranted(Lease(Subnet2, "n2", 2, H2)), 0.6)) },
            "n1's acknowledged lease 10.244.1.0/24 is not in the replayed registry");

    [Fact]
    public void I3_holds_when_every_process_sees_the_same_members() => Holds(Check.I3OneCluster, Healthy());

    [Fact]
    public void I3_is_violated_by_two_clusters_after_healing() =>
        Violated(Check.I3OneCluster, Healthy().EditProcess("seed", 10, 40, p => p with { Members = [new MemberView(SeedAddress, "Up", true)] }),
            "never held", "seed sees Up {seed}", "h1 sees Up {h1,h2,seed}");

    [Fact]
    public void I3_is_violated_when_it_holds_only_after_the_window() =>
        Violated(Check.I3OneCluster, Healthy().Expecting(e => e with { ClusterWindow = 5 })
            .EditProcess("h2", 10, 25, p => p with { Members = [new MemberView(H2, "Up", true)] }), "held only 11s after healing (window 5s)");

    [Fact]
    public void I3_is_violated_by_a_wanted_process_that_exited() =>
        Violated(Check.I3OneCluster, Healthy().EditProcess("h2", 10, 40, p => p with { Running = false, Members = null }), "h2 is not running");

    [Fact]
    public void I3_ignores_a_process_the_row_stopped_on_purpose() =>
        Holds(Check.I3OneCluster, Healthy()
            .EditProcess("h2", 10, 40, p => p with { Running = false, Wanted = false, Members = null })
            .EditProcess("seed", 10, 40, p => p with { Members = [new MemberView(SeedAddress, "Up", true), new MemberView(H1, "Up", true)] })
            .EditProcess("h1", 10, 40, p => p with { Members = [new MemberView(SeedAddress, "Up", true), new MemberView(H1, "Up", true)] }));

    [Fact]
    public void I4_holds_when_routes_equal_the_registry_less_the_own_lease() => Holds(Check.I4ViewsConverge, Healthy());

    [Fact]
    public void I4_is_violated_by_a_node_that_lost_its_routes() =>
        Violated(Check.I4ViewsConverge, Healthy().EditProcess("h1", 10, 40, p => p with { Routes = [] }), "h1 routes {}", "{10.244.2.0/24}");

    [Fact]
    public void I5_holds_for_a_control_plane_fault_within_the_loss_bound() =>
        Holds(Check.I5Traffic, Healthy().LoseProbes(20, 20.15)); // 2 x 2 of about 600 probes: 0.7%

    [Fact]
    public void I5_is_violated_by_loss_during_a_control_plane_fault() =>
        Violated(Check.I5Traffic, Healthy().LoseProbes(20, 25), "lost 100/", "(16.6%)", "first loss at t=20.0s", "longest outage 5.0s");

    [Fact]
    public void I5_holds_when_a_data_plane_fault_heals_in_time() =>
        Holds(Check.I5Traffic, Healthy().Expecting(e => e with { Plane = FaultPlane.DataPlane }).LoseProbes(10, 18));

    [Fact]
    public void I5_is_violated_when_traffic_resumes_too_late_after_a_data_plane_fault() =>
        Violated(Check.I5Traffic, Healthy().Expecting(e => e with { Plane = FaultPlane.DataPlane }).LoseProbes(10, 30, "p1"), "p1->p2 answered again 15.0s after healing", "bound 10s");

    [Fact]
    public void I6_holds_when_every_seed_serves_leases() => Holds(Check.I6RegistryLive, Healthy());

    [Fact]
    public void I6_is_violated_by_a_seed_that_stops_serving() =>
        Violated(Check.I6RegistryLive, Healthy().EditProcess("seed", 10, 40, p => p with { Leases = null }), "seed does not answer /leases");

    [Fact]
    public void I7_holds_for_a_switch_with_a_non_zero_exit() =>
        Holds(Check.I7NoSilentSwitch, Healthy().EditHost("h2", 20, 40, h => h with { Overlay0 = "10.244.3.0/32", SubnetEnv = "10.244.3.1/24" })
            .WithEvents(new ProcessEvent(19.5, "h2", ProcessEventKind.Exited, "lease lost", 3)));

    [Fact]
    public void I7_is_violated_by_a_silent_switch() =>
        Violated(Check.I7NoSilentSwitch, Healthy().EditHost("h2", 20, 40, h => h with { Overlay0 = "10.244.3.0/32", SubnetEnv = "10.244.3.1/24" }),
            "h2 moved from 10.244.2.0/24 to 10.244.3.0/24");

    [Fact]
    public void Journal_replay_holds_on_a_contiguous_journal() => Holds(Check.JournalReplay, Healthy());

    [Fact]
    public void Journal_replay_is_violated_by_a_sequence_gap() =>
        Violated(Check.JournalReplay, Healthy() with { Journal = [.. Healthy().Journal!.Take(2), Healthy().Journal![2] with { SequenceNr = 4 }] }, "sequence number 4 where 3 was due");

    [Fact]
    public void Journal_replay_is_violated_by_a_version_the_state_refuses() =>
        Violated(Check.JournalReplay, Healthy().Append((new LeaseRenewed(Ipv4Subnet.Parse(Subnet1), DateTimeOffset.UnixEpoch, 9), 20)), "refused by LeaseRegistryState.Apply", "expected version 4");

    [Fact]
    public void Journal_replay_is_violated_by_a_grant_outside_the_network() =>
        Violated(Check.JournalReplay, Healthy().Append((new LeaseGranted(Lease("10.245.1.0/24", "n1", 4, H1)), 20)), "cannot grant 10.245.1.0/24");

    [Fact]
    public void Journal_replay_is_violated_when_the_registry_served_other_leases() =>
        Violated(Check.JournalReplay, Healthy().EditProcess("seed", 30, 40, p => p with { Leases = new LeaseTable(3, [new LeaseRow(Subnet1, "n1", "192.0.2.11", 2)]) }), "but seed served");
}
