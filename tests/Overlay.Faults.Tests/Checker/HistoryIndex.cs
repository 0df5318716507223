using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Checker;

/// <summary>A history arranged for the checks: samples by tick, processes by name, addresses named. Pure.</summary>
public sealed class HistoryIndex
{
    private readonly Dictionary<string, string> _processByAddress = [];

    /// <summary>Indexes <paramref name="history"/>.</summary>
    public HistoryIndex(FaultHistory history)
    {
        History = history;
        Roster = history.Roster.ToDictionary(p => p.Process);
        Ticks = history.Processes.Select(p => p.Tick).Concat(history.Hosts.Select(h => h.Tick)).Distinct().Order().ToList();
        ProcessesAt = history.Processes.ToLookup(p => p.Tick);
        HostsAt = history.Hosts.ToLookup(h => h.Tick);
        TickTime = history.Processes.Select(p => (p.Tick, p.T)).Concat(history.Hosts.Select(h => (h.Tick, h.T)))
            .GroupBy(x => x.Tick).ToDictionary(g => g.Key, g => g.Min(x => x.T));
        foreach (var sample in history.Processes.Where(p => p.SelfAddress is not null))
        {
            _processByAddress[sample.SelfAddress!] = sample.Process;
        }
    }

    /// <summary>The history.</summary>
    public FaultHistory History { get; }

    /// <summary>The roster by process name.</summary>
    public IReadOnlyDictionary<string, ProcessInfo> Roster { get; }

    /// <summary>Every tick, ascending.</summary>
    public IReadOnlyList<int> Ticks { get; }

    /// <summary>Process samples by tick.</summary>
    public ILookup<int, ProcessSample> ProcessesAt { get; }

    /// <summary>Host samples by tick.</summary>
    public ILookup<int, HostSample> HostsAt { get; }

    /// <summary>The time of each tick (its earliest sample).</summary>
    public IReadOnlyDictionary<int, double> TickTime { get; }

    /// <summary>Ticks at or after <paramref name="t"/>.</summary>
    public IEnumerable<int> TicksFrom(double t) => Ticks.Where(k => TickTime[k] >= t - 0.001);

    /// <summary>The process that reported <paramref name="address"/> as its own, or the address shortened.</summary>
    public string Name(string address) => _processByAddress.TryGetValue(address, out var name)
        ? name
        : address.Replace("akka.tcp://overlay@", string.Empty, StringComparison.Ordinal)
            .Replace("akka.ssl.tcp://overlay@", string.Empty, StringComparison.Ordinal);

    /// <summary>The cluster address <paramref name="process"/> last reported as its own.</summary>
    public string? AddressOf(string process) => _processByAddress.FirstOrDefault(kv => kv.Value == process).Key;

    /// <summary>The process whose lease identity is <paramref name="nodeName"/> (non-intruders first).</summary>
    public ProcessInfo? NodeNamed(string nodeName) =>
        History.Roster.Where(p => p.NodeName == nodeName).OrderBy(p => p.Intruder).FirstOrDefault();

    /// <summary>The subnet a host sample shows in use: overlay0's, else subnet.env's.</summary>
    public string? HostSubnet(HostSample sample) =>
        Subnets.Of(sample.Overlay0, History.Settings.SubnetLength) ?? Subnets.OfGateway(sample.SubnetEnv);

    /// <summary>The non-intruder processes of <paramref name="kind"/> (all kinds when null).</summary>
    public IEnumerable<ProcessInfo> Members(ProcessKind? kind = null) =>
        History.Roster.Where(p => !p.Intruder && (kind is null || p.Kind == kind));

    /// <summary>
    /// The first tick at or after healing where <paramref name="holds"/> returns null (held), and
    /// whether it also holds at the last tick. Returns the result for a windowed check.
    /// </summary>
    public CheckResult Windowed(Check check, double window, Func<int, string?> holds)
    {
        double heal = History.HealedAt;
        var after = TicksFrom(heal).ToList();
        if (after.Count == 0)
        {
            return CheckResult.Fail(check, $"no sample after healing at t={heal:F1}s");
        }

        int? first = null;
        string? lastWhy = null;
        foreach (int tick in after)
        {
            lastWhy = holds(tick);
            if (lastWhy is null && first is null)
            {
                first = tick;
            }
        }

        double end = TickTime[after[^1]];
        if (first is null)
        {
            return CheckResult.Fail(check, $"never held in {end - heal:F0}s after healing (window {window:F0}s); at t={end:F1}s: {lastWhy}");
        }

        double took = TickTime[first.Value] - heal;
        if (took > window)
        {
            return CheckResult.Fail(check, $"held only {took:F0}s after healing (window {window:F0}s)");
        }

        if (lastWhy is not null)
        {
            return CheckResult.Fail(check, $"held {took:F0}s after healing, then broke again; at t={end:F1}s: {lastWhy}");
        }

        return CheckResult.Pass(check, $"held {took:F0}s after healing (window {window:F0}s)", took);
    }
}
