using Overlay.Actors.Leases;
using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Checker;

/// <summary>The row-specific checks: same subnet (S), refused (R), journal quiet (Q), no lease
/// ended (N), drift reported (D). Pure.</summary>
public static class RowOutcomes
{
    /// <summary>S: each listed host's subnet at the end is the one it had before the fault.</summary>
    public static CheckResult SameSubnet(HistoryIndex index)
    {
        var history = index.History;
        var problems = new List<string>();
        foreach (string host in history.Expect.SameSubnetHosts)
        {
            var samples = history.Hosts.Where(h => h.Host == host && index.HostSubnet(h) is not null).OrderBy(h => h.T).ToList();
            var before = samples.LastOrDefault(h => h.T < history.FaultStart);
            var after = samples.LastOrDefault();
            if (before is null || after is null || after.T < history.HealedAt)
            {
                problems.Add($"{host}: no subnet seen {(before is null ? "before the fault" : "after healing")}");
            }
            else if (index.HostSubnet(before) != index.HostSubnet(after))
            {
                problems.Add($"{host} had {index.HostSubnet(before)} before the fault and {index.HostSubnet(after)} at t={after.T:F1}s");
            }
        }

        return problems.Count == 0
            ? CheckResult.Pass(Check.SameSubnet, $"{string.Join(", ", history.Expect.SameSubnetHosts)} kept their subnets")
            : CheckResult.Fail(Check.SameSubnet, string.Join("; ", problems));
    }

    /// <summary>R: every intruder never held a lease, never wrote a subnet, and failed visibly
    /// (exited non-zero or never became ready) with at least one loud line saying why.</summary>
    public static CheckResult Refused(HistoryIndex index)
    {
        var history = index.History;
        var intruders = history.Roster.Where(p => p.Intruder).ToList();
        if (intruders.Count == 0)
        {
            return CheckResult.Fail(Check.Refused, "the row started no intruder");
        }

        var problems = new List<string>();
        var evidence = new List<string>();
        foreach (var intruder in intruders)
        {
            var leased = history.Processes.FirstOrDefault(p => p.Process == intruder.Process && p.LeaseSubnet is not null);
            if (leased is not null)
            {
                problems.Add($"{intruder.Process} (node name {intruder.NodeName}) was given {leased.LeaseSubnet} at t={leased.T:F1}s");
                continue;
            }

            var exit = history.Events.FirstOrDefault(e => e.Process == intruder.Process && e.Kind == ProcessEventKind.Exited);
            bool everReady = history.Processes.Any(p => p.Process == intruder.Process && p.Ready == true);
            var loud = history.Events.FirstOrDefault(e => e.Process == intruder.Process && e.Kind == ProcessEventKind.Loud);
            if (exit is { ExitCode: 0 } || (exit is null && everReady))
            {
                problems.Add($"{intruder.Process} {(exit is null ? "became ready" : "exited 0")} without a lease");
            }
            else if (loud is null && exit is null)
            {
                problems.Add($"{intruder.Process} stayed unready without saying why");
            }
            else
            {
                evidence.Add($"{intruder.Process}: {(exit is null ? "not ready" : $"exit {exit.ExitCode}")}; {loud?.Text ?? exit!.Text}");
            }
        }

        return problems.Count == 0
            ? CheckResult.Pass(Check.Refused, string.Join("; ", evidence))
            : CheckResult.Fail(Check.Refused, string.Join("; ", problems));
    }

    /// <summary>Q: at most MaxJournalChanges grants and ends after the fault started.</summary>
    public static CheckResult JournalQuiet(HistoryIndex index, JournalReplay? replay)
    {
        if (replay is null)
        {
            return CheckResult.Fail(Check.JournalQuiet, $"the journal was not read: {index.History.JournalError}");
        }

        var changes = ChangesAfterFault(index, replay).Where(r => r.Event is LeaseGranted or LeaseEnded).ToList();
        string listed = string.Join(", ", changes.Take(6).Select(JournalReplay.Describe)) + (changes.Count > 6 ? $", {changes.Count - 6} more" : string.Empty);
        return changes.Count <= index.History.Expect.MaxJournalChanges
            ? CheckResult.Pass(Check.JournalQuiet, $"{changes.Count} grants or ends after the fault started{(changes.Count > 0 ? ": " + listed : string.Empty)}")
            : CheckResult.Fail(Check.JournalQuiet, $"{changes.Count} grants or ends after the fault started (at most {index.History.Expect.MaxJournalChanges}): {listed}");
    }

    /// <summary>N: no LeaseEnded after the fault started.</summary>
    public static CheckResult NoLeaseEnded(HistoryIndex index, JournalReplay? replay)
    {
        if (replay is null)
        {
            return CheckResult.Fail(Check.NoLeaseEnded, $"the journal was not read: {index.History.JournalError}");
        }

        var ends = ChangesAfterFault(index, replay).Where(r => r.Event is LeaseEnded).ToList();
        return ends.Count == 0
            ? CheckResult.Pass(Check.NoLeaseEnded, "no lease ended after the fault started")
            : CheckResult.Fail(Check.NoLeaseEnded, string.Join("; ", ends.Select(JournalReplay.Describe)));
    }

    /// <summary>D: a seed logged a warning (or worse) about the network configuration, or exited
    /// non-zero, after the fault started. Failed health checks do not count: every seed logs them
    /// while it starts, drift or not.</summary>
    public static CheckResult DriftReported(HistoryIndex index)
    {
        var history = index.History;
        var seeds = index.Members(ProcessKind.Seed).Select(s => s.Process).ToHashSet();
        string[] words = ["net-conf", "network", "config", "drift"];
        var signal = history.Events.FirstOrDefault(e => seeds.Contains(e.Process) && e.T >= history.FaultStart
            && ((e.Kind == ProcessEventKind.Loud && !e.Text.Contains("HealthCheck", StringComparison.Ordinal)
                    && words.Any(w => e.Text.Contains(w, StringComparison.OrdinalIgnoreCase)))
                || (e.Kind == ProcessEventKind.Exited && e.ExitCode != 0)));
        return signal is null
            ? CheckResult.Fail(Check.DriftReported, "no seed warned about the network configuration or exited non-zero after the change")
            : CheckResult.Pass(Check.DriftReported, $"{signal.Process} at t={signal.T:F1}s: {signal.Text}");
    }

    /// <summary>U: some seed sample between the fault's start and its heal answers /health/ready with another status than 200.</summary>
    public static CheckResult UnreadyDuringFault(HistoryIndex index)
    {
        var history = index.History;
        var seeds = index.Members(ProcessKind.Seed).Select(s => s.Process).ToHashSet();
        var during = history.Processes.Where(p => seeds.Contains(p.Process) && p.T >= history.FaultStart && p.T <= history.HealedAt).ToList();
        var unready = during.FirstOrDefault(p => p.Ready == false);
        return unready is not null
            ? CheckResult.Pass(Check.UnreadyDuringFault, $"{unready.Process} not ready at t={unready.T:F1}s")
            : CheckResult.Fail(Check.UnreadyDuringFault, $"every seed answered ready (or nothing) in all {during.Count} samples between t={history.FaultStart:F1}s and t={history.HealedAt:F1}s");
    }

    /// <summary>T: within the TUN window every host whose node runs has overlay0 with an address again.</summary>
    public static CheckResult TunRestored(HistoryIndex index) =>
        index.Windowed(Check.TunRestored, index.History.Expect.TunWindow, tick =>
        {
            var missing = index.HostsAt[tick].Where(h => h.NodeRunning && h.Overlay0 is null).Select(h => h.Host).ToList();
            return missing.Count == 0 ? null : $"{string.Join(", ", missing)} has no overlay0 address";
        });

    /// <summary>W: a journal event written after healing, within the registry window.</summary>
    public static CheckResult WritesResume(HistoryIndex index, JournalReplay? replay)
    {
        if (replay is null)
        {
            return CheckResult.Fail(Check.WritesResume, $"the journal was not read: {index.History.JournalError}");
        }

        double heal = index.History.HealedAt;
        double window = index.History.Expect.RegistryWindow;
        var first = replay.Events.FirstOrDefault(r => r.T is { } t && t > heal);
        var lastBefore = replay.Events.LastOrDefault(r => r.T is { } t && t <= heal);
        if (first is null)
        {
            return CheckResult.Fail(Check.WritesResume, $"no journal write after healing at t={heal:F1}s; the last was {(lastBefore is null ? "none" : JournalReplay.Describe(lastBefore))}");
        }

        double took = first.T!.Value - heal;
        return took <= window
            ? CheckResult.Pass(Check.WritesResume, $"first write {took:F0}s after healing: {JournalReplay.Describe(first)}", took)
            : CheckResult.Fail(Check.WritesResume, $"first write only {took:F0}s after healing (window {window:F0}s): {JournalReplay.Describe(first)}");
    }

    private static IEnumerable<ReplayedEvent> ChangesAfterFault(HistoryIndex index, JournalReplay replay)
    {
        var history = index.History;
        // The registry version the seeds served last before the fault; events after it are the fault's.
        long? before = history.Processes.Where(p => p.Leases is not null && p.T <= history.FaultStart).Select(p => (long?)p.Leases!.Version).Max();
        return before is null
            ? replay.Events.Where(r => r.T is { } t && t >= history.FaultStart)
            : replay.Events.Where(r => r.Event.Version > before.Value);
    }
}
