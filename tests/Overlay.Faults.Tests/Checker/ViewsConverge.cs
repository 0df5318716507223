using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Checker;

/// <summary>
/// I4: within the window after healing, every wanted node's /routes lists exactly the subnets of
/// the registry's leases (the highest-version /leases answer of the tick) minus its own lease; and
/// it still does at the end.
/// </summary>
public static class ViewsConverge
{
    /// <summary>Checks the ticks after healing.</summary>
    public static CheckResult Evaluate(HistoryIndex index) =>
        index.Windowed(Check.I4ViewsConverge, index.History.Expect.ViewsWindow, tick => Why(index, tick));

    private static string? Why(HistoryIndex index, int tick)
    {
        var samples = index.ProcessesAt[tick].ToList();
        var registry = samples.Where(p => p.Leases is not null).OrderByDescending(p => p.Leases!.Version).FirstOrDefault()?.Leases;
        if (registry is null)
        {
            return "no seed answered /leases";
        }

        var leased = registry.Leases.Select(l => l.Subnet).ToHashSet();
        foreach (var node in samples.Where(p => p.Wanted && index.Roster.TryGetValue(p.Process, out var i) && i is { Kind: ProcessKind.Node, Intruder: false }))
        {
            if (node.LeaseSubnet is null || node.Routes is null)
            {
                return $"{node.Process} does not answer /lease and /routes";
            }

            var expected = leased.Where(s => s != node.LeaseSubnet).ToHashSet();
            var routes = node.Routes.Select(r => r.Subnet).ToHashSet();
            if (!routes.SetEquals(expected))
            {
                return $"{node.Process} routes {{{string.Join(",", routes.Order())}}} but the registry (v{registry.Version}) less its own {node.LeaseSubnet} is {{{string.Join(",", expected.Order())}}}";
            }
        }

        return null;
    }
}
