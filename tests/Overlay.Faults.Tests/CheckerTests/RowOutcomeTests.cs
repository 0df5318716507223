using Overlay.Actors.Addressing;
using Overlay.Actors.Leases;
using Overlay.Faults.Tests.Checker;
using Overlay.Faults.Tests.History;
using static Overlay.Faults.Tests.CheckerTests.Histories;

namespace Overlay.Faults.Tests.CheckerTests;

/// <summary>The row-specific checks (S, R, Q, N, D, W), each kept and broken.</summary>
public sealed class RowOutcomeTests
{
    private static CheckResult Run(Check check, FaultHistory history) =>
        Assert.Single(FaultChecker.Check(history with { Expect = history.Expect with { Checks = [check] } }).Results);

    private static FaultHistory WithIntruder(FaultHistory history, Func<ProcessSample, ProcessSample> edit) => history with
    {
        Roster = [.. history.Roster, new ProcessInfo("h3", ProcessKind.Node, "h3", "n1", Intruder: true)],
        Processes = [.. history.Processes, .. Enumerable.Range(12, 20).Select(t => edit(new ProcessSample { Tick = t, T = t, Process = "h3", Running = true, Wanted = true, Ready = false }))],
    };

    [Fact]
    public void Same_subnet_holds_and_is_violated()
    {
        var history = Healthy().Expecting(e => e with { SameSubnetHosts = ["h2"] });
        Assert.True(Run(Check.SameSubnet, history).Held);
        var moved = Run(Check.SameSubnet, history.EditHost("h2", 16, 40, h => h with { Overlay0 = "10.244.3.0/32" }));
        Assert.False(moved.Held);
        Assert.Contains("h2 had 10.244.2.0/24 before the fault and 10.244.3.0/24", moved.Evidence);
    }

    [Fact]
    public void Refused_holds_for_an_intruder_that_exits_with_a_reason()
    {
        var history = WithIntruder(Healthy(), p => p).WithEvents(
            new ProcessEvent(13, "h3", ProcessEventKind.Loud, "fail: node name n1 is held by a live member"),
            new ProcessEvent(14, "h3", ProcessEventKind.Exited, "exit", 2));
        var result = Run(Check.Refused, history);
        Assert.True(result.Held, result.Evidence);
        Assert.Contains("node name n1 is held", result.Evidence);
    }

    [Fact]
    public void Refused_is_violated_by_an_intruder_given_a_lease()
    {
        var result = Run(Check.Refused, WithIntruder(Healthy(), p => p with { LeaseSubnet = Subnet1, Ready = true }));
        Assert.False(result.Held);
        Assert.Contains("h3 (node name n1) was given 10.244.1.0/24 at t=12.0s", result.Evidence);
    }

    [Fact]
    public void Journal_quiet_holds_and_is_violated_by_ping_pong()
    {
        Assert.True(Run(Check.JournalQuiet, Healthy()).Held);
        var pingPong = Healthy().Append(
            (new LeaseGranted(Lease(Subnet1, "n3", 4, H1)), 12),
            (new LeaseGranted(Lease(Subnet1, "n1", 5, H1)), 13));
        var result = Run(Check.JournalQuiet, pingPong);
        Assert.False(result.Held);
        Assert.Contains("2 grants or ends after the fault started", result.Evidence);
    }

    [Fact]
    public void No_lease_ended_holds_and_is_violated()
    {
        Assert.True(Run(Check.NoLeaseEnded, Healthy()).Held);
        var result = Run(Check.NoLeaseEnded, Healthy().Append((new LeaseEnded(Ipv4Subnet.Parse(Subnet2), LeaseEndReason.Incompatible, 4), 12)));
        Assert.False(result.Held);
        Assert.Contains("ended 10.244.2.0/24 of n2: Incompatible", result.Evidence);
    }

    [Fact]
    public void Drift_reported_holds_for_a_warning_and_ignores_health_checks()
    {
        var health = Healthy().WithEvents(new ProcessEvent(12, "seed", ProcessEventKind.Loud, "fail: Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService[103] the registry has not confirmed the network config yet"));
        Assert.False(Run(Check.DriftReported, health).Held);
        var warned = health.WithEvents(new ProcessEvent(13, "seed", ProcessEventKind.Loud, "warn: Overlay.Seed[9] net-conf differs from the registry's: SubnetMin 10.244.100.0 vs 10.244.1.0"));
        Assert.True(Run(Check.DriftReported, warned).Held);
    }

    [Fact]
    public void Writes_resume_holds_and_is_violated()
    {
        var result = Run(Check.WritesResume, Healthy());
        Assert.False(result.Held);
        Assert.Contains("no journal write after healing", result.Evidence);
        var resumed = Run(Check.WritesResume, Healthy().Append((new LeaseRenewed(Ipv4Subnet.Parse(Subnet1), DateTimeOffset.UnixEpoch, 4), 20)));
        Assert.True(resumed.Held, resumed.Evidence);
        Assert.Equal(5, resumed.Seconds!.Value, 3);
    }

    [Fact]
    public void Tun_restored_holds_and_is_violated()
    {
        var gone = Healthy().EditHost("h2", 15, 17, h => h with { Overlay0 = null });
        var result = Run(Check.TunRestored, gone.Expecting(e => e with { TunWindow = 5 }));
        Assert.True(result.Held, result.Evidence);
        Assert.Equal(3, result.Seconds!.Value, 3);
        var late = Run(Check.TunRestored, Healthy().EditHost("h2", 15, 25, h => h with { Overlay0 = null }).Expecting(e => e with { TunWindow = 5 }));
        Assert.False(late.Held);
        Assert.Contains("held only 11s after healing (window 5s)", late.Evidence);
    }

    [Fact]
    public void Unready_during_fault_holds_and_is_violated()
    {
        var stillReady = Run(Check.UnreadyDuringFault, Healthy());
        Assert.False(stillReady.Held);
        Assert.Contains("every seed answered ready", stillReady.Evidence);
        var unready = Run(Check.UnreadyDuringFault, Healthy().EditProcess("seed", 12, 13, p => p with { Ready = false }));
        Assert.True(unready.Held, unready.Evidence);
        Assert.Contains("seed not ready at t=12.0s", unready.Evidence);
    }

    [Fact]
    public void At_most_one_seed_leaves_holds_and_is_violated()
    {
        var twoSeeds = Healthy() with { Roster = [.. Healthy().Roster, new ProcessInfo("seed2", ProcessKind.Seed, null, null)] };
        Assert.True(Run(Check.AtMostOneSeedLeaves, twoSeeds).Held);
        var one = twoSeeds.WithEvents(
            new ProcessEvent(18, "seed2", ProcessEventKind.Exited, "downed", 0),
            new ProcessEvent(30, "seed2", ProcessEventKind.Exited, "downed again", 0));
        var held = Run(Check.AtMostOneSeedLeaves, one);
        Assert.True(held.Held, held.Evidence);
        Assert.Contains("only seed2 left", held.Evidence);
        var both = Run(Check.AtMostOneSeedLeaves, one.WithEvents(
            new ProcessEvent(18, "seed2", ProcessEventKind.Exited, "downed", 0),
            new ProcessEvent(19, "seed", ProcessEventKind.Exited, "downed", 0)));
        Assert.False(both.Held);
        Assert.Contains("2 seeds left (seed, seed2)", both.Evidence);
        var before = Run(Check.AtMostOneSeedLeaves, twoSeeds.WithEvents(
            new ProcessEvent(5, "seed2", ProcessEventKind.Exited, "before the fault", 0),
            new ProcessEvent(19, "seed", ProcessEventKind.Exited, "downed", 0)));
        Assert.True(before.Held, before.Evidence);
    }
}
