using System.Text.Json.Nodes;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// For the memory run: joins a running overlay cluster (a real overlay-seed) as a plain node
/// member bound to <c>host</c>, acquires <c>count</c> fake leases through the registry proxy (no
/// member address, so they outlive this process), and leaves.
/// </summary>
public static class RemoteLoadCommand
{
    /// <summary>Runs it and returns the JSON result.</summary>
    public static async Task<JsonObject> RunAsync(string seed, string host, int count, int concurrency,
        Overlay.Hosting.Cluster.Tls.ClusterTls? tls = null)
    {
        await using var member = await BenchMember.StartAsync(null, null, seed, host, tls);
        var (elapsed, latencies) = await LeaseLoader.AcquireAsync(member, "mem-peer", 0, count, concurrency);
        Console.Error.WriteLine($"remote-load: {count} leases acquired through {seed} in {elapsed.TotalSeconds:F1}s");
        return new JsonObject
        {
            ["seed"] = seed,
            ["leases"] = count,
            ["elapsed_s"] = Math.Round(elapsed.TotalSeconds, 2),
            ["latency_ms"] = RouteLatencyBench.Json(Stats.Of(latencies)),
        };
    }
}
