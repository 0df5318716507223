namespace Overlay.Faults.Tests.Checker;

/// <summary>Everything the checker concluded about one history.</summary>
/// <param name="Row">The matrix row.</param>
/// <param name="Fault">What was injected.</param>
/// <param name="Results">One result per requested check, in request order.</param>
/// <param name="Probes">Probe counts over the whole recording.</param>
/// <param name="SecondsToHeal">The longest of the windowed checks' times to hold, or null when one never held.</param>
public sealed record Verdict(string Row, string Fault, IReadOnlyList<CheckResult> Results, ProbeCount Probes, double? SecondsToHeal)
{
    /// <summary>True when every check held.</summary>
    public bool AllHeld => Results.All(r => r.Held);

    /// <summary>The violated checks.</summary>
    public IEnumerable<CheckResult> Violations => Results.Where(r => !r.Held);
}

/// <summary>Probe packets sent and lost.</summary>
/// <param name="Sent">Probes with a known outcome.</param>
/// <param name="Lost">Probes without a reply.</param>
public sealed record ProbeCount(int Sent, int Lost)
{
    /// <summary>Lost share in percent (0 when nothing was sent).</summary>
    public double LostPercent => Sent == 0 ? 0 : 100.0 * Lost / Sent;

    /// <inheritdoc />
    public override string ToString() => $"{Lost}/{Sent} ({LostPercent:F1}%)";
}
