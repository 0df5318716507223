namespace Overlay.Faults.Tests.History;

/// <summary>The kinds of marks a row sets.</summary>
public enum MarkKind
{
    /// <summary>The injector was applied.</summary>
    FaultStart,

    /// <summary>The fault was taken away (rule deleted, process continued or restarted).</summary>
    Heal,

    /// <summary>Anything else worth seeing in the timeline.</summary>
    Note,
}

/// <summary>A moment of the row's own doing.</summary>
/// <param name="T">Seconds since the recording started.</param>
/// <param name="Kind">What kind of moment.</param>
/// <param name="Text">What was done, e.g. "SIGKILL seed (PID 1234)".</param>
public sealed record HistoryMark(double T, MarkKind Kind, string Text);
