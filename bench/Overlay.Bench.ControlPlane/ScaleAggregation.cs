using System.Diagnostics;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// Pure result arithmetic of the scale bench: member processes report raw
/// <see cref="Stopwatch.GetTimestamp"/> values (CLOCK_MONOTONIC on Linux: one clock for every
/// process of the machine), the orchestrator turns them into millisecond samples here.
/// </summary>
public static class ScaleAggregation
{
    /// <summary>One grant's outcome: the time until the last simulated node had the route (null when
    /// a node never got it), and each node's own delay. Delays are clamped at 0: a node may install
    /// the route before the registry's reply reached the orchestrator.</summary>
    public sealed record GrantSample(double? AllNodesMs, IReadOnlyList<double> PerNodeMs, int Missing);

    /// <summary>Turns the install timestamps of every simulated node (0 or less: not installed) for
    /// one grant replied at <paramref name="grantedAt"/> into a sample.</summary>
    public static GrantSample GrantToRoute(long grantedAt, IEnumerable<long> installedAt, long frequency)
    {
        var perNode = new List<double>();
        var missing = 0;
        foreach (var t in installedAt)
        {
            if (t <= 0)
                missing++;
            else
                perNode.Add(Math.Max(0, t - grantedAt) * 1000.0 / frequency);
        }
        return new GrantSample(missing == 0 && perNode.Count > 0 ? perNode.Max() : null, perNode, missing);
    }

    /// <summary>Milliseconds between two timestamps (clamped at 0).</summary>
    public static double Ms(long from, long to, long frequency) => Math.Max(0, to - from) * 1000.0 / frequency;

    /// <summary>Rate per second of a counter that moved from <paramref name="before"/> to
    /// <paramref name="after"/> in <paramref name="seconds"/>.</summary>
    public static double PerSecond(double before, double after, double seconds) =>
        seconds <= 0 ? throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "interval must be positive") : (after - before) / seconds;

    /// <summary>The IPv4 public address of the <paramref name="index"/>-th simulated node: 198.19.0.0/16
    /// (the upper half of RFC 2544's benchmarking /15; the fake holders use the lower half).</summary>
    public static System.Net.IPAddress NodeAddress(int index) =>
        index is < 0 or > 65_535
            ? throw new ArgumentOutOfRangeException(nameof(index), index, "simulated node index must be in 0..65535")
            : new System.Net.IPAddress(new byte[] { 198, 19, (byte)(index >> 8), (byte)index });

    /// <summary>Splits <paramref name="total"/> simulated nodes over <paramref name="processes"/> member
    /// processes as evenly as possible: (first index, count) per process.</summary>
    public static IReadOnlyList<(int First, int Count)> Split(int total, int processes)
    {
        if (processes <= 0 || total < processes)
            throw new ArgumentException($"cannot split {total} nodes over {processes} processes");
        var parts = new List<(int, int)>();
        var first = 0;
        for (var p = 0; p < processes; p++)
        {
            var count = total / processes + (p < total % processes ? 1 : 0);
            parts.Add((first, count));
            first += count;
        }
        return parts;
    }

    /// <summary>Grants the scale bench measures at most: one /24 of 10.255.0.0/16 each.</summary>
    public const int MaxPeerGrants = 256;

    /// <summary>The subnet the <paramref name="index"/>-th measured grant asks for: 10.255.index.0/24,
    /// far above the allocator's picks for the simulated nodes (from 10.0.0.0 up), so every member
    /// process knows in advance which subnets to time.</summary>
    public static Overlay.Actors.Addressing.Ipv4Subnet PeerSubnet(int index) =>
        index is < 0 or >= MaxPeerGrants
            ? throw new ArgumentOutOfRangeException(nameof(index), index, $"peer grant index must be in 0..{MaxPeerGrants - 1}")
            : PeerSubnets[index];

    private static readonly Overlay.Actors.Addressing.Ipv4Subnet[] PeerSubnets =
        Enumerable.Range(0, MaxPeerGrants).Select(i => Overlay.Actors.Addressing.Ipv4Subnet.Parse($"10.255.{i}.0/24")).ToArray();
}
