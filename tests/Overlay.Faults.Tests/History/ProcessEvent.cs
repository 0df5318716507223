namespace Overlay.Faults.Tests.History;

/// <summary>What happened to a process.</summary>
public enum ProcessEventKind
{
    /// <summary>Started (Text: the PID).</summary>
    Started,

    /// <summary>Exited (ExitCode set; Text: its last lines).</summary>
    Exited,

    /// <summary>Printed a line at warning level or above (Text: the line).</summary>
    Loud,
}

/// <summary>A start, an exit or a loud log line of one process.</summary>
/// <param name="T">Seconds since the recording started (when the harness saw it).</param>
/// <param name="Process">The harness's name of the process.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Text">Details.</param>
/// <param name="ExitCode">The exit code of an <see cref="ProcessEventKind.Exited"/> event.</param>
public sealed record ProcessEvent(double T, string Process, ProcessEventKind Kind, string Text, int? ExitCode = null);
