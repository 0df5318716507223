using Overlay.Actors.Leases;
using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Checker;

/// <summary>
/// I2: every lease a node was told it holds (its /lease answered) is still live at the end, or
/// ended for a reason that holds: Released; Expired only when its holder was not running for a
/// whole TTL before; MemberRemoved only when for the whole grace before no seed saw the holder Up
/// and reachable while it ran. An eviction (no row evicts by hand), an Incompatible end, or a
/// lease taken over by another node without an end is a loss.
/// </summary>
public static class NoLeaseLost
{
    // Samples are a second apart: judge a window's edges with this slack.
    private const double SampleSlack = 2;

    /// <summary>Checks the journal against the samples.</summary>
    public static CheckResult Evaluate(HistoryIndex index, JournalReplay? replay)
    {
        var history = index.History;
        if (replay is null)
        {
            return CheckResult.Fail(Check.I2NoLeaseLost, $"the journal was not read: {history.JournalError ?? "unknown reason"}");
        }

        var problems = new List<string>();
        foreach (var replayed in replay.Events)
        {
            if (replayed.Event is LeaseEnded ended && Judge(index, replayed, ended) is { } why)
            {
                problems.Add($"{JournalReplay.Describe(replayed)}: {why}");
            }

            if (replayed.Event is LeaseGranted granted && replayed.Before.Find(granted.Lease.Subnet) is { } previous
                && previous.NodeName != granted.Lease.NodeName)
            {
                problems.Add($"{JournalReplay.Describe(replayed)} while {previous.NodeName} held it (taken over without an end)");
            }
        }

        var acknowledged = history.Processes
            .Where(p => p.LeaseSubnet is not null && index.Roster.TryGetValue(p.Process, out var info) && info is { Kind: ProcessKind.Node, Intruder: false })
            .Select(p => (Node: index.Roster[p.Process].NodeName!, Subnet: p.LeaseSubnet!))
            .Distinct()
            .ToList();
        foreach (var (node, subnet) in acknowledged)
        {
            bool live = replay.Final.Leases.Any(l => l.NodeName == node && l.Subnet.ToString() == subnet);
            bool endedOrTaken = replay.Events.Any(r =>
                (r.Event is LeaseEnded e && e.Subnet.ToString() == subnet && r.Before.Find(e.Subnet)?.NodeName == node)
                || (r.Event is LeaseGranted g && g.Lease.Subnet.ToString() == subnet && g.Lease.NodeName != node && r.Before.Find(g.Lease.Subnet)?.NodeName == node));
            if (!live && !endedOrTaken)
            {
                problems.Add($"{node}'s acknowledged lease {subnet} is not in the replayed registry and no journal event ended it");
            }
        }

        if (replay.Error is not null)
        {
            problems.Add($"(journal replay stopped early: {replay.Error})");
        }

        var ends = replay.Events.Where(e => e.Event is LeaseEnded).Select(JournalReplay.Describe).ToList();
        return problems.Count == 0
            ? CheckResult.Pass(Check.I2NoLeaseLost, $"{acknowledged.Count} acknowledged leases; every end justified ({(ends.Count == 0 ? "no ends" : string.Join(", ", ends))})")
            : CheckResult.Fail(Check.I2NoLeaseLost, string.Join("; ", problems.Take(4)) + (problems.Count > 4 ? $"; {problems.Count - 4} more" : string.Empty));
    }

    private static string? Judge(HistoryIndex index, ReplayedEvent replayed, LeaseEnded ended)
    {
        var holder = replayed.Before.Find(ended.Subnet);
        var process = holder is null ? null : index.NodeNamed(holder.NodeName);
        var settings = index.History.Settings;
        switch (ended.Reason)
        {
            case LeaseEndReason.Released:
                return null;
            case LeaseEndReason.Evicted:
                return "evicted, but no operator evicted anything";
            case LeaseEndReason.Incompatible:
                return "ended because the network config changed under a live lease";
            case LeaseEndReason.Expired or LeaseEndReason.MemberRemoved when process is null:
                return null; // a holder this row did not start: nothing to judge it by
            case LeaseEndReason.Expired or LeaseEndReason.MemberRemoved when replayed.T is null:
                return null; // no timestamp: the journal cannot place the end in the timeline
            case LeaseEndReason.Expired:
            {
                double t = replayed.T!.Value;
                var runningAt = index.History.Processes.FirstOrDefault(p => p.Process == process!.Process && p.Running
                    && p.T >= t - settings.LeaseTtlSeconds + SampleSlack && p.T <= t - SampleSlack);
                return runningAt is null ? null : $"expired although {process!.Process} was running at t={runningAt.T:F1}s, within its TTL ({settings.LeaseTtlSeconds:F0}s) before the end";
            }

            case LeaseEndReason.MemberRemoved:
            {
                double t = replayed.T!.Value;
                string? address = index.AddressOf(process!.Process);
                var seenUp = index.History.Processes.FirstOrDefault(p =>
                    p.T >= t - settings.LeaseGraceSeconds + SampleSlack && p.T <= t - SampleSlack
                    && index.Roster.TryGetValue(p.Process, out var info) && info.Kind == ProcessKind.Seed
                    && p.Members is not null && p.Members.Any(m => m.Address == address && m.Status == "Up" && m.Reachable)
                    && index.History.Processes.Any(n => n.Process == process.Process && n.Tick == p.Tick && n.Running));
                return seenUp is null ? null : $"removed although {seenUp.Process} saw {process.Process} Up and reachable at t={seenUp.T:F1}s, within the grace ({settings.LeaseGraceSeconds:F0}s) before the end";
            }

            default:
                return $"unknown reason {ended.Reason}";
        }
    }
}
