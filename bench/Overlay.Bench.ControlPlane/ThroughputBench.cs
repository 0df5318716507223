using System.Text.Json.Nodes;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Hosting.Storage;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// Acquire throughput of one registry (SQLite journal in a temp dir) that already holds
/// <c>held</c> leases: the same number of new acquires once one at a time, once with
/// <c>concurrency</c> asks in flight. Every acquire is a real grant (persisted, published).
/// </summary>
public static class ThroughputBench
{
    /// <summary>Runs it and returns the JSON result.</summary>
    public static async Task<JsonObject> RunAsync(int held, int acquires, int concurrency, int snapshotEvery, string netConf)
    {
        var dir = Path.Combine(Path.GetTempPath(), "overlay-bench-tput-" + Guid.NewGuid().ToString("N"));
        var settings = RegistrySettings.Default with { SnapshotEvery = snapshotEvery };
        try
        {
            await using var registry = await BenchMember.StartAsync(StorageSettings.SqliteIn(dir), settings, null);
            var configured = await registry.AskRegistryAsync(new ConfigureNetwork(NetworkConfigParser.Parse(netConf)));
            if (configured is not NetworkConfigured)
                throw new InvalidOperationException($"configuring {netConf} failed: {configured}");

            var (fill, _) = await LeaseLoader.AcquireAsync(registry, "held", 0, held, concurrency);
            Console.Error.WriteLine($"throughput: {held} leases held after {fill.TotalSeconds:F1}s");
            var (seq, seqLatencies) = await LeaseLoader.AcquireAsync(registry, "seq", 0, acquires, 1);
            var (conc, concLatencies) = await LeaseLoader.AcquireAsync(registry, "conc", 0, acquires, concurrency);
            var result = new JsonObject
            {
                ["held"] = held,
                ["acquires"] = acquires,
                ["concurrency"] = concurrency,
                ["snapshot_every"] = snapshotEvery,
                ["storage"] = "sqlite",
                ["fill_per_s"] = Math.Round(held / fill.TotalSeconds),
                ["sequential_per_s"] = Math.Round(acquires / seq.TotalSeconds),
                ["sequential_latency_ms"] = RouteLatencyBench.Json(Stats.Of(seqLatencies)),
                ["concurrent_per_s"] = Math.Round(acquires / conc.TotalSeconds),
                ["concurrent_latency_ms"] = RouteLatencyBench.Json(Stats.Of(concLatencies)),
            };
            Console.Error.WriteLine($"throughput: sequential {result["sequential_per_s"]}/s, concurrent {result["concurrent_per_s"]}/s");
            return result;
        }
        finally
        {
            RouteLatencyBench.TryDelete(dir);
        }
    }
}
