using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Checker;

/// <summary>
/// O: at most one seed leaves after the fault starts. A seed that is downed exits (its supervisor
/// starts it again), so leaving is seen as an exit of a seed process the row did not stop itself:
/// the distinct seeds with such an exit at or after the fault's start must be at most one. The same
/// seed leaving again (downed once more while the fault lasts) counts once.
/// </summary>
public static class SeedsLeaving
{
    /// <summary>Checks the exits after the fault's start.</summary>
    public static CheckResult Evaluate(HistoryIndex index)
    {
        var history = index.History;
        var seeds = index.Members(ProcessKind.Seed).Select(s => s.Process).ToHashSet();
        var exits = history.Events
            .Where(e => e.Kind == ProcessEventKind.Exited && seeds.Contains(e.Process) && e.T >= history.FaultStart && WantedAt(history, e.Process, e.T))
            .ToList();
        var left = exits.Select(e => e.Process).Distinct().Order(StringComparer.Ordinal).ToList();
        string detail = string.Join("; ", exits.Select(e => $"{e.Process} exited with {e.ExitCode} at t={e.T:F1}s"));
        return left.Count <= 1
            ? CheckResult.Pass(Check.AtMostOneSeedLeaves, left.Count == 0 ? "no seed left" : $"only {left[0]} left: {detail}")
            : CheckResult.Fail(Check.AtMostOneSeedLeaves, $"{left.Count} seeds left ({string.Join(", ", left)}): {detail}");
    }

    // An exit the row caused on purpose (it stopped or killed the process) is no leaving: the last
    // sample before the exit says whether the row wanted the process running.
    private static bool WantedAt(FaultHistory history, string process, double t) =>
        history.Processes.LastOrDefault(p => p.Process == process && p.T <= t)?.Wanted ?? true;
}
