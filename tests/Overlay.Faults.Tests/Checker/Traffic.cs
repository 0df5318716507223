using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Checker;

/// <summary>
/// I5: pod-to-pod probes. After a control-plane fault starts, at most the loss bound of the probes
/// may go unanswered (until the end). After a data-plane fault is healed, every direction must be
/// answered again within the resume window and lose at most the bound from then on.
/// </summary>
public static class Traffic
{
    /// <summary>Counts the probes sent from <paramref name="from"/> seconds on.</summary>
    public static ProbeCount Count(FaultHistory history, double from)
    {
        var window = history.Probes.Where(p => p.T >= from).ToList();
        return new ProbeCount(window.Count, window.Count(p => !p.Answered));
    }

    /// <summary>Checks the probes.</summary>
    public static CheckResult Evaluate(HistoryIndex index)
    {
        var history = index.History;
        var expect = history.Expect;
        if (history.Probes.Count == 0)
        {
            return CheckResult.Fail(Check.I5Traffic, "no probes were recorded");
        }

        return expect.Plane == FaultPlane.ControlPlane ? ControlPlane(history) : DataPlane(history);
    }

    private static CheckResult ControlPlane(FaultHistory history)
    {
        var expect = history.Expect;
        var window = history.Probes.Where(p => p.T >= history.FaultStart).OrderBy(p => p.T).ToList();
        var count = new ProbeCount(window.Count, window.Count(p => !p.Answered));
        if (count.Sent == 0)
        {
            return CheckResult.Fail(Check.I5Traffic, $"no probes after the fault started at t={history.FaultStart:F1}s");
        }

        string detail = $"lost {count} from t={history.FaultStart:F1}s{Gaps(window)}";
        return count.LostPercent <= expect.MaxLossPercent
            ? CheckResult.Pass(Check.I5Traffic, detail)
            : CheckResult.Fail(Check.I5Traffic, $"{detail}; bound {expect.MaxLossPercent}%");
    }

    private static CheckResult DataPlane(FaultHistory history)
    {
        var expect = history.Expect;
        double heal = history.HealedAt;
        double worst = 0;
        var details = new List<string>();
        foreach (var direction in history.Probes.GroupBy(p => (p.From, p.To)))
        {
            var after = direction.Where(p => p.T >= heal).OrderBy(p => p.T).ToList();
            int? resumedAt = null;
            // Suffix loss from each answered probe on: the first from which the rest keeps the bound.
            int lostAfter = after.Count(p => !p.Answered);
            for (int i = 0; i < after.Count; i++)
            {
                int rest = after.Count - i;
                if (after[i].Answered && 100.0 * lostAfter / rest <= expect.MaxLossPercent)
                {
                    resumedAt = i;
                    break;
                }

                if (!after[i].Answered)
                {
                    lostAfter--;
                }
            }

            if (resumedAt is null)
            {
                return CheckResult.Fail(Check.I5Traffic, $"{direction.Key.From}->{direction.Key.To} never resumed after healing at t={heal:F1}s ({after.Count} probes since{Gaps(after)})");
            }

            double took = after[resumedAt.Value].T - heal;
            worst = Math.Max(worst, took);
            details.Add($"{direction.Key.From}->{direction.Key.To} answered again {took:F1}s after healing");
        }

        string text = string.Join("; ", details);
        return worst <= expect.TrafficResumeWindow
            ? CheckResult.Pass(Check.I5Traffic, text, worst)
            : CheckResult.Fail(Check.I5Traffic, $"{text}; bound {expect.TrafficResumeWindow:F0}s");
    }

    private static string Gaps(IReadOnlyList<ProbeSample> probes)
    {
        var lost = probes.Where(p => !p.Answered).ToList();
        if (lost.Count == 0)
        {
            return string.Empty;
        }

        // The longest run of consecutive losses in one direction, as a time span.
        double longest = 0, from = 0;
        foreach (var direction in probes.GroupBy(p => (p.From, p.To)))
        {
            double? runStart = null;
            foreach (var probe in direction.OrderBy(p => p.Seq))
            {
                if (!probe.Answered)
                {
                    runStart ??= probe.T;
                    if (probe.T - runStart.Value >= longest)
                    {
                        longest = probe.T - runStart.Value;
                        from = runStart.Value;
                    }
                }
                else
                {
                    runStart = null;
                }
            }
        }

        return $"; first loss at t={lost[0].T:F1}s; longest outage {longest + 0.1:F1}s from t={from:F1}s";
    }
}
