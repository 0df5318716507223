using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Checker;

/// <summary>The outcome of one check on one history.</summary>
/// <param name="Check">Which check.</param>
/// <param name="Held">True when it held.</param>
/// <param name="Evidence">Why: on a violation, the first violating observation (time, process, values).</param>
/// <param name="Seconds">For checks with a window: seconds from healing until it held; null otherwise or when it never did.</param>
public sealed record CheckResult(Check Check, bool Held, string Evidence, double? Seconds = null)
{
    /// <summary>The short id printed in tables (I1..I7, J, S, R, Q, N, D).</summary>
    public string Id => ShortId(Check);

    /// <summary>The short id of <paramref name="check"/>.</summary>
    public static string ShortId(Check check) => check switch
    {
        Check.I1NoDuplicateSubnet => "I1",
        Check.I2NoLeaseLost => "I2",
        Check.I3OneCluster => "I3",
        Check.I4ViewsConverge => "I4",
        Check.I5Traffic => "I5",
        Check.I6RegistryLive => "I6",
        Check.I7NoSilentSwitch => "I7",
        Check.JournalReplay => "J",
        Check.SameSubnet => "S",
        Check.Refused => "R",
        Check.JournalQuiet => "Q",
        Check.NoLeaseEnded => "N",
        Check.AtMostOneSeedLeaves => "O",
        Check.DriftReported => "D",
        Check.WritesResume => "W",
        Check.TunRestored => "T",
        Check.UnreadyDuringFault => "U",
        _ => check.ToString(),
    };

    /// <summary>A held result.</summary>
    public static CheckResult Pass(Check check, string evidence, double? seconds = null) => new(check, true, evidence, seconds);

    /// <summary>A violated result.</summary>
    public static CheckResult Fail(Check check, string evidence) => new(check, false, evidence);
}
