using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Checker;

/// <summary>I6: within the window after healing every seed answers /leases, with no operator; and still does at the end.</summary>
public static class RegistryLive
{
    /// <summary>Checks the ticks after healing.</summary>
    public static CheckResult Evaluate(HistoryIndex index) =>
        index.Windowed(Check.I6RegistryLive, index.History.Expect.RegistryWindow, tick =>
        {
            var seeds = index.Members(ProcessKind.Seed).Select(s => s.Process).ToList();
            var samples = index.ProcessesAt[tick].ToDictionary(p => p.Process);
            var silent = seeds.Where(s => !samples.TryGetValue(s, out var p) || p.Leases is null).ToList();
            return silent.Count == 0 ? null : $"{string.Join(", ", silent)} does not answer /leases";
        });
}
