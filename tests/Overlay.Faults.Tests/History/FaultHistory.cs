namespace Overlay.Faults.Tests.History;

/// <summary>
/// Everything one fault row observed, as the checker reads it: the processes it ran, what each
/// answered every second, the hosts' overlay state, the pod-to-pod probes, the row's marks (fault
/// start, heal) and the registry's journal read back at the end. Times are seconds since the
/// recording started (<see cref="StartedAt"/>). Written as JSON under artifacts/faults/, so a
/// history can be checked again, or by hand, after the lab is gone.
/// </summary>
public sealed record FaultHistory
{
    /// <summary>The matrix row, e.g. "F10".</summary>
    public required string Row { get; init; }

    /// <summary>What the row injects, in one line.</summary>
    public required string Fault { get; init; }

    /// <summary>Wall-clock time of T = 0.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>What must hold, and the row's windows and bounds.</summary>
    public required RowExpectations Expect { get; init; }

    /// <summary>The registry settings the seeds ran with.</summary>
    public required HistorySettings Settings { get; init; }

    /// <summary>Every process the row started.</summary>
    public required IReadOnlyList<ProcessInfo> Roster { get; init; }

    /// <summary>Fault start, heal and end marks, in time order.</summary>
    public required IReadOnlyList<HistoryMark> Marks { get; init; }

    /// <summary>One sample per process per tick.</summary>
    public required IReadOnlyList<ProcessSample> Processes { get; init; }

    /// <summary>One sample per host per tick.</summary>
    public required IReadOnlyList<HostSample> Hosts { get; init; }

    /// <summary>One entry per probe packet.</summary>
    public required IReadOnlyList<ProbeSample> Probes { get; init; }

    /// <summary>Starts, exits and loud log lines of the processes.</summary>
    public required IReadOnlyList<ProcessEvent> Events { get; init; }

    /// <summary>The registry journal in sequence order; null when it could not be read.</summary>
    public IReadOnlyList<JournalRecord>? Journal { get; init; }

    /// <summary>Why <see cref="Journal"/> is null, when it is.</summary>
    public string? JournalError { get; init; }

    /// <summary>The time of the first mark of <paramref name="kind"/>, or null.</summary>
    public double? FirstMark(MarkKind kind) => Marks.FirstOrDefault(m => m.Kind == kind)?.T;

    /// <summary>The time of the last mark of <paramref name="kind"/>, or null.</summary>
    public double? LastMark(MarkKind kind) => Marks.LastOrDefault(m => m.Kind == kind)?.T;

    /// <summary>When the fault started: the first FaultStart mark, else 0.</summary>
    public double FaultStart => FirstMark(MarkKind.FaultStart) ?? 0;

    /// <summary>When the fault was healed: the last Heal mark, else the fault start.</summary>
    public double HealedAt => LastMark(MarkKind.Heal) ?? FaultStart;

    /// <summary>The last sample time, or 0 when nothing was sampled.</summary>
    public double End => Processes.Count == 0 && Hosts.Count == 0
        ? 0
        : Math.Max(Processes.Count == 0 ? 0 : Processes.Max(p => p.T), Hosts.Count == 0 ? 0 : Hosts.Max(h => h.T));
}
