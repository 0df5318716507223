using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Checker;

/// <summary>
/// The checker: a history in, a verdict out. Pure and generic: it knows nothing of how a fault was
/// injected, only what the row demands (<see cref="FaultHistory.Expect"/>) and what was observed.
/// </summary>
public static class FaultChecker
{
    /// <summary>Runs every check the history's row asks for.</summary>
    public static Verdict Check(FaultHistory history)
    {
        var index = new HistoryIndex(history);
        var replay = history.Journal is null ? null : JournalReplay.Run(history.Journal);
        var results = history.Expect.Checks.Select(check => check switch
        {
            History.Check.I1NoDuplicateSubnet => NoDuplicateSubnet.Evaluate(index),
            History.Check.I2NoLeaseLost => NoLeaseLost.Evaluate(index, replay),
            History.Check.I3OneCluster => OneCluster.Evaluate(index),
            History.Check.I4ViewsConverge => ViewsConverge.Evaluate(index),
            History.Check.I5Traffic => Traffic.Evaluate(index),
            History.Check.I6RegistryLive => RegistryLive.Evaluate(index),
            History.Check.I7NoSilentSwitch => NoSilentSwitch.Evaluate(index),
            History.Check.JournalReplay => JournalConsistent.Evaluate(index, replay),
            History.Check.SameSubnet => RowOutcomes.SameSubnet(index),
            History.Check.Refused => RowOutcomes.Refused(index),
            History.Check.JournalQuiet => RowOutcomes.JournalQuiet(index, replay),
            History.Check.NoLeaseEnded => RowOutcomes.NoLeaseEnded(index, replay),
            History.Check.AtMostOneSeedLeaves => SeedsLeaving.Evaluate(index),
            History.Check.DriftReported => RowOutcomes.DriftReported(index),
            History.Check.WritesResume => RowOutcomes.WritesResume(index, replay),
            History.Check.TunRestored => RowOutcomes.TunRestored(index),
            History.Check.UnreadyDuringFault => RowOutcomes.UnreadyDuringFault(index),
            _ => throw new ArgumentOutOfRangeException(nameof(history), check, "unknown check"),
        }).ToList();

        var windowed = results.Where(r => r.Seconds is not null || r.Check is History.Check.I3OneCluster or History.Check.I4ViewsConverge or History.Check.I6RegistryLive or History.Check.TunRestored).ToList();
        double? heal = windowed.Count == 0 || windowed.Any(r => r.Seconds is null) ? null : windowed.Max(r => r.Seconds);
        return new Verdict(history.Row, history.Fault, results, Traffic.Count(history, history.FaultStart), heal);
    }
}
