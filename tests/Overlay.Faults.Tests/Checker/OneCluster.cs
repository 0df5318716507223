using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Checker;

/// <summary>
/// I3: within the window after healing, every process the row wants running (seeds and nodes,
/// intruders aside) answers /cluster/members with the same set of Up, reachable members, and that
/// set holds each of them; and it still holds at the end.
/// </summary>
public static class OneCluster
{
    /// <summary>Checks the ticks after healing.</summary>
    public static CheckResult Evaluate(HistoryIndex index) =>
        index.Windowed(Check.I3OneCluster, index.History.Expect.ClusterWindow, tick => Why(index, tick));

    private static string? Why(HistoryIndex index, int tick)
    {
        var wanted = index.ProcessesAt[tick].Where(p => p.Wanted && index.Roster.TryGetValue(p.Process, out var i) && !i.Intruder).ToList();
        var views = new List<(string Process, HashSet<string> Up)>();
        foreach (var sample in wanted)
        {
            if (!sample.Running)
            {
                var exit = index.History.Events.LastOrDefault(e => e.Process == sample.Process && e.Kind == ProcessEventKind.Exited && e.T <= sample.T + 1);
                return exit is null ? $"{sample.Process} is not running" : $"{sample.Process} is not running (exited with {exit.ExitCode} at t={exit.T:F1}s)";
            }

            if (sample.Members is null)
            {
                return $"{sample.Process} does not answer /cluster/members";
            }

            views.Add((sample.Process, sample.Members.Where(m => m.Status == "Up" && m.Reachable).Select(m => m.Address).ToHashSet()));
        }

        var selves = wanted.Select(p => (p.Process, Address: p.SelfAddress ?? index.AddressOf(p.Process))).ToList();
        bool same = views.All(v => v.Up.SetEquals(views[0].Up));
        var missing = selves.Where(s => s.Address is null || views.Any(v => !v.Up.Contains(s.Address))).Select(s => s.Process).ToList();
        if (same && missing.Count == 0)
        {
            return null;
        }

        return string.Join("; ", views.Select(v => $"{v.Process} sees Up {{{string.Join(",", v.Up.Select(index.Name).Order())}}}"));
    }
}
