using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Akka.Actor;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Actors.Node;
using Overlay.Hosting.Storage;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// Grant-to-route latency, in one process: a registry member (SQLite journal in a temp dir) and N
/// node members on 127.0.0.1, each running a real <see cref="NodeActor"/> over a
/// <see cref="RecordingDataplane"/>. New leases are acquired one at a time through the registry
/// member's proxy; a sample is the time from the LeaseAcquired reply to the last of the N SetPeer
/// calls for that subnet (clamped at 0 when a node was faster than the reply).
/// </summary>
public static class RouteLatencyBench
{
    /// <summary>Runs it and returns the JSON result.</summary>
    public static async Task<JsonObject> RunAsync(int nodes, int samples, int warmup, int snapshotEvery)
    {
        var clock = Stopwatch.StartNew();
        var dir = Path.Combine(Path.GetTempPath(), "overlay-bench-route-" + Guid.NewGuid().ToString("N"));
        var settings = RegistrySettings.Default with { SnapshotEvery = snapshotEvery, Ttl = TimeSpan.FromHours(1) };
        await using var registry = await BenchMember.StartAsync(StorageSettings.SqliteIn(dir), settings, null);
        var members = new List<BenchMember>();
        var dataplanes = new List<RecordingDataplane>();
        try
        {
            var configured = await registry.AskRegistryAsync(new ConfigureNetwork(NetworkConfigParser.Parse(BenchConstants.LabNetConf)));
            if (configured is not NetworkConfigured)
                throw new InvalidOperationException($"configuring {BenchConstants.LabNetConf} failed: {configured}");
            for (var i = 0; i < nodes; i++)
            {
                var member = await BenchMember.StartAsync(null, null, registry.Address.ToString());
                members.Add(member);
                var dataplane = new RecordingDataplane(clock);
                dataplanes.Add(dataplane);
                var identity = new NodeIdentity($"bench-node-{i}", IPAddress.Parse($"198.51.100.{i + 1}"), 8285, null);
                member.System.ActorOf(NodeActor.Props(identity, new NodeTimings(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30)),
                    member.Registry, dataplane), "node");
            }
            await WaitAsync(() => dataplanes.All(d => d.Local is not null && d.RouteCount == nodes - 1),
                "every node holding a lease and a route to every other node");
            Console.Error.WriteLine($"route-latency: {nodes} nodes up at {clock.Elapsed.TotalSeconds:F1}s");

            var all = new List<double>();
            var perNode = new List<double>();
            for (var k = 0; k < warmup + samples; k++)
            {
                var reply = await registry.AskRegistryAsync(FakeHolder.Request("bench-peer", k));
                var t0 = clock.ElapsedTicks;
                if (reply is not LeaseAcquired acquired)
                    throw new InvalidOperationException($"acquire {k} failed: {reply}");
                var subnet = acquired.Lease.Subnet;
                await WaitAsync(() => dataplanes.All(d => d.TryGetInstalledAt(subnet, out _)),
                    $"route {subnet} on all {nodes} nodes");
                if (k < warmup)
                    continue;
                var times = dataplanes.Select(d => d.TryGetInstalledAt(subnet, out var t) ? t : 0).ToList();
                all.Add(Ms(Math.Max(0, times.Max() - t0)));
                perNode.AddRange(times.Select(t => Ms(Math.Max(0, t - t0))));
            }

            var stats = Stats.Of(all);
            Console.Error.WriteLine($"route-latency: all-nodes p50 {stats.P50} ms, p99 {stats.P99} ms, max {stats.Max} ms");
            return new JsonObject
            {
                ["nodes"] = nodes,
                ["samples"] = samples,
                ["warmup"] = warmup,
                ["snapshot_every"] = snapshotEvery,
                ["all_nodes_ms"] = Json(stats),
                ["per_node_ms"] = Json(Stats.Of(perNode)),
                ["in_process"] = true,
            };
        }
        finally
        {
            foreach (var member in members)
                await member.DisposeAsync();
            TryDelete(dir);
        }
    }

    internal static JsonObject Json(Stats s) => new()
    {
        ["count"] = s.Count, ["min"] = s.Min, ["p50"] = s.P50, ["p90"] = s.P90, ["p99"] = s.P99, ["max"] = s.Max,
        ["mean"] = s.Mean,
    };

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    /// <summary>Polls <paramref name="done"/> every millisecond until true or the route deadline.</summary>
    internal static async Task WaitAsync(Func<bool> done, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!done())
        {
            if (deadline.Elapsed > BenchConstants.RouteDeadline)
                throw new TimeoutException($"waited {BenchConstants.RouteDeadline.TotalSeconds}s for {what}");
            await Task.Delay(1);
        }
    }

    internal static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
