using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Checker;

/// <summary>
/// J: the journal replays through <see cref="Overlay.Actors.Leases.LeaseRegistryState"/> from
/// empty (contiguous sequence numbers, no overlapping grant, versions in order), and the replayed
/// leases equal the last /leases answer of the same version.
/// </summary>
public static class JournalConsistent
{
    /// <summary>Checks the replay.</summary>
    public static CheckResult Evaluate(HistoryIndex index, JournalReplay? replay)
    {
        if (replay is null)
        {
            return CheckResult.Fail(Check.JournalReplay, $"the journal was not read: {index.History.JournalError ?? "unknown reason"}");
        }

        if (replay.Error is not null)
        {
            return CheckResult.Fail(Check.JournalReplay, $"{replay.Events.Count} events replayed, then {replay.Error}");
        }

        string summary = $"{replay.Events.Count} events replay to v{replay.Final.Version} with {replay.Final.Leases.Count} leases";
        var last = index.History.Processes.Where(p => p.Leases is not null && p.Leases.Version == replay.Final.Version).LastOrDefault();
        if (last is null)
        {
            return CheckResult.Pass(Check.JournalReplay, $"{summary} (no /leases answer at that version to compare)");
        }

        var served = last.Leases!.Leases.Select(l => $"{l.Subnet}={l.NodeName}").Order().ToList();
        var replayed = replay.Final.Leases.Select(l => $"{l.Subnet}={l.NodeName}").Order().ToList();
        return served.SequenceEqual(replayed)
            ? CheckResult.Pass(Check.JournalReplay, $"{summary}, as {last.Process} served them at t={last.T:F1}s")
            : CheckResult.Fail(Check.JournalReplay, $"{summary} [{string.Join(", ", replayed)}] but {last.Process} served [{string.Join(", ", served)}] at v{replay.Final.Version}");
    }
}
