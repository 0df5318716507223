using System.Diagnostics;
using System.Text.Json.Nodes;
using Akka.Actor;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Actors.Serialization;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// The pieces of snapshot-based recovery, without a database: a registry state with
/// <c>leases</c> grants (built through Process/Apply, as the actor does), then ToSnapshot, the
/// serializer's ToBinary and FromBinary, and LeaseRegistryState.FromSnapshot, each timed
/// (best of <c>repeat</c>).
/// </summary>
public static class SnapshotCodecBench
{
    /// <summary>Runs it and returns the JSON result.</summary>
    public static async Task<JsonObject> RunAsync(int leases, int repeat)
    {
        var network = NetworkConfigParser.Parse(BenchConstants.WideNetConf);
        var settings = RegistrySettings.Default;
        var now = DateTimeOffset.UtcNow;
        var state = LeaseRegistryState.Empty.Apply(new NetworkConfigured(network, 1));
        var buildCpu = ThreadCpu.Now();
        for (var i = 0; i < leases; i++)
        {
            var decision = state.Process(FakeHolder.Request("host", i, "akka.tcp://overlay@192.0.2.11:7946"), now, settings);
            foreach (var e in decision.Events)
                state = state.Apply(e);
        }
        var buildTime = ThreadCpu.Now() - buildCpu;

        using var system = ActorSystem.Create("codec", "akka.loglevel = WARNING");
        var serializer = new OverlaySerializer((ExtendedActorSystem)system);
        RegistrySnapshot snapshot = null!;
        var toSnapshot = Best(repeat, () => snapshot = state.ToSnapshot());
        var json = Codec(serializer, snapshot, repeat);
        var packed = Codec(serializer, new PackedRegistrySnapshot(snapshot), repeat);
        var fromSnapshot = Best(repeat, () => LeaseRegistryState.FromSnapshot(snapshot));
        await system.Terminate();
        return new JsonObject
        {
            ["leases"] = leases,
            ["build_by_apply_cpu_ms"] = Math.Round(buildTime.TotalMilliseconds, 1),
            ["to_snapshot"] = toSnapshot,
            ["json"] = json,
            ["packed"] = packed,
            ["from_snapshot"] = fromSnapshot,
        };
    }

    /// <summary>Encode and decode times of one snapshot encoding (its manifest decides which).</summary>
    private static JsonObject Codec(OverlaySerializer serializer, object snapshot, int repeat)
    {
        byte[] bytes = [];
        var manifest = serializer.Manifest(snapshot);
        var toBinary = Best(repeat, () => bytes = serializer.ToBinary(snapshot));
        var fromBinary = Best(repeat, () => serializer.FromBinary(bytes, manifest));
        return new JsonObject
        {
            ["manifest"] = manifest,
            ["bytes"] = bytes.Length,
            ["to_binary"] = toBinary,
            ["from_binary"] = fromBinary,
        };
    }

    /// <summary>Best of <paramref name="repeat"/> runs: wall and calling-thread CPU milliseconds.</summary>
    private static JsonObject Best(int repeat, Action action)
    {
        var (wall, cpu) = (double.MaxValue, double.MaxValue);
        for (var i = 0; i < repeat; i++)
        {
            var cpu0 = ThreadCpu.Now();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            action();
            wall = Math.Min(wall, watch.Elapsed.TotalMilliseconds);
            cpu = Math.Min(cpu, (ThreadCpu.Now() - cpu0).TotalMilliseconds);
        }
        return new JsonObject { ["wall_ms"] = Math.Round(wall, 1), ["cpu_ms"] = Math.Round(cpu, 1) };
    }
}
