using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Checker;

/// <summary>
/// I7: when a host's subnet in use (overlay0, else subnet.env) changes from one subnet to another
/// while its pod runs, its node must say so loudly around the change: exit non-zero, report not
/// ready, or log at warning level or above, between the last sample on the old subnet and
/// <see cref="LoudWindow"/> seconds after the first on the new one.
/// </summary>
public static class NoSilentSwitch
{
    /// <summary>How long after the switch a loud signal still counts.</summary>
    public const double LoudWindow = 10;

    /// <summary>Checks every host.</summary>
    public static CheckResult Evaluate(HistoryIndex index)
    {
        var history = index.History;
        var problems = new List<string>();
        int switches = 0;
        foreach (var host in history.Hosts.GroupBy(h => h.Host))
        {
            string? previous = null;
            double previousAt = 0;
            foreach (var sample in host.OrderBy(h => h.Tick))
            {
                string? subnet = index.HostSubnet(sample);
                if (subnet is null)
                {
                    continue;
                }

                if (previous is not null && subnet != previous)
                {
                    switches++;
                    if (!Loud(index, host.Key, previousAt, sample.T + LoudWindow))
                    {
                        problems.Add($"{host.Key} moved from {previous} to {subnet} between t={previousAt:F1}s and t={sample.T:F1}s with no exit, readiness or warning from its node");
                    }
                }

                previous = subnet;
                previousAt = sample.T;
            }
        }

        return problems.Count == 0
            ? CheckResult.Pass(Check.I7NoSilentSwitch, switches == 0 ? "no host changed subnet" : $"{switches} subnet changes, each signalled")
            : CheckResult.Fail(Check.I7NoSilentSwitch, string.Join("; ", problems));
    }

    private static bool Loud(HistoryIndex index, string host, double from, double to)
    {
        var nodes = index.History.Roster.Where(p => p.Host == host).Select(p => p.Process).ToHashSet();
        return index.History.Events.Any(e => nodes.Contains(e.Process) && e.T >= from - 1 && e.T <= to
                   && (e.Kind == ProcessEventKind.Loud || (e.Kind == ProcessEventKind.Exited && e.ExitCode != 0)))
               || index.History.Processes.Any(p => nodes.Contains(p.Process) && p.T >= from && p.T <= to && p.Running && p.Ready == false);
    }
}
