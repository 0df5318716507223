using System.Diagnostics;
using Overlay.Actors.Leases;

namespace Overlay.Bench.ControlPlane;

/// <summary>Acquires fake leases through a member's registry proxy with a bounded number of asks in
/// flight, failing on the first refusal.</summary>
public static class LeaseLoader
{
    /// <summary>Acquires fake holders <paramref name="first"/>..first+count-1 with at most
    /// <paramref name="concurrency"/> asks outstanding; returns the wall time and per-ask latencies (ms).</summary>
    public static async Task<(TimeSpan Elapsed, List<double> LatenciesMs)> AcquireAsync(BenchMember member, string prefix,
        int first, int count, int concurrency, string memberAddress = "", Action<int>? progress = null)
    {
        var latencies = new double[count];
        var done = 0;
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(first, count),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (index, _) =>
            {
                var started = Stopwatch.GetTimestamp();
                var reply = await member.AskRegistryAsync(FakeHolder.Request(prefix, index, memberAddress));
                if (reply is not LeaseAcquired)
                    throw new InvalidOperationException($"acquire for {prefix}-{index} failed: {reply}");
                latencies[index - first] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var n = Interlocked.Increment(ref done);
                if (n % 10_000 == 0)
                    progress?.Invoke(n);
            });
        return (watch.Elapsed, latencies.ToList());
    }
}
