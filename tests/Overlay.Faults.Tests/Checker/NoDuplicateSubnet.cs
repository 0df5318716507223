using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Checker;

/// <summary>
/// I1: never two live hosts with overlay0, or subnet.env, on one subnet. A host is live while its
/// node process runs and the row wants it running: a node the row has stopped (SIGSTOP) still
/// exists, and its frozen overlay0 keeps its address, but nothing on it reads or forwards and the
/// registry may rightly give its subnet away after the grace; that host counts again as soon as
/// the row continues it.
/// </summary>
public static class NoDuplicateSubnet
{
    /// <summary>Checks every tick.</summary>
    public static CheckResult Evaluate(HistoryIndex index)
    {
        int length = index.History.Settings.SubnetLength;
        string? first = null;
        double last = 0;
        int violatingTicks = 0;
        foreach (int tick in index.Ticks)
        {
            var stopped = index.ProcessesAt[tick]
                .Where(p => !p.Wanted && index.Roster.TryGetValue(p.Process, out var info) && info.Kind == ProcessKind.Node && info.Host is not null)
                .Select(p => index.Roster[p.Process].Host!)
                .ToHashSet();
            var live = index.HostsAt[tick].Where(h => h.NodeRunning && !stopped.Contains(h.Host)).ToList();
            var clashes = live.GroupBy(h => Subnets.Of(h.Overlay0, length)).Select(g => (What: "overlay0", Subnet: g.Key, Hosts: g.ToList()))
                .Concat(live.GroupBy(h => Subnets.OfGateway(h.SubnetEnv)).Select(g => (What: "subnet.env", Subnet: g.Key, Hosts: g.ToList())))
                .Where(x => x.Subnet is not null && x.Hosts.Count > 1)
                .ToList();
            if (clashes.Count == 0)
            {
                continue;
            }

            violatingTicks++;
            last = clashes[0].Hosts[0].T;
            if (first is null)
            {
                var (what, subnet, hosts) = clashes[0];
                first = $"t={hosts[0].T:F1}s: {string.Join(" and ", hosts.Select(h => h.Host))} both use {subnet} ({what})";
            }
        }

        return first is null
            ? CheckResult.Pass(Check.I1NoDuplicateSubnet, $"no two live hosts on one subnet in {index.Ticks.Count} ticks")
            : CheckResult.Fail(Check.I1NoDuplicateSubnet, $"{first}; {violatingTicks} ticks in all, the last at t={last:F1}s");
    }
}
