namespace Overlay.Fuzz;

/// <summary>Process exit codes of every mode.</summary>
internal static class ExitCodes
{
    /// <summary>The mode did all it was asked.</summary>
    public const int Success = 0;

    /// <summary>The mode failed (connection refused, stream cut short, bad arguments).</summary>
    public const int Failed = 1;

    /// <summary>The mode hit its --max-seconds bound before finishing.</summary>
    public const int TimedOut = 2;
}
