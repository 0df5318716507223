using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// The membership ceiling: for each size N, a seed member in this process and N-1
/// real cluster members (ActorSystems with the overlay's cluster configuration) spread over
/// <c>processes</c> child processes on 127.0.0.1. Measures the time from starting the children to
/// the seed seeing all N Up, then an idle window: CPU of the member processes per member, and the
/// TCP bytes they send and receive per second per member (<see cref="SocketBytes"/>: cluster
/// gossip, heartbeats, pub-sub gossip). The seed's own share is left
/// out (it is this process).
/// </summary>
public static class MembershipBench
{
    /// <summary>Parses "10,25,50" (each at least 2).</summary>
    public static IReadOnlyList<int> ParseSizes(string text)
    {
        var sizes = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 2 || n > 1000)
                throw new ArgumentException($"--sizes: each size must be an integer in 2..1000: '{part}' in '{text}'");
            sizes.Add(n);
        }
        return sizes.Count > 0 ? sizes : throw new ArgumentException($"--sizes: no size in '{text}'");
    }

    /// <summary>Runs every size and returns the JSON result.</summary>
    public static async Task<JsonObject> RunAsync(IReadOnlyList<int> sizes, int processes, string logDir)
    {
        Directory.CreateDirectory(logDir);
        var rows = new JsonArray();
        foreach (var size in sizes)
            rows.Add(await RunSizeAsync(size, Math.Min(processes, size - 1), logDir));
        return new JsonObject
        {
            ["path"] = "real Akka cluster members (overlay cluster config) in child processes on 127.0.0.1; seed in the bench process",
            ["idle_window_s"] = BenchConstants.ScaleIdleWindow.TotalSeconds * 2,
            ["sizes"] = rows,
        };
    }

    private static async Task<JsonObject> RunSizeAsync(int size, int processes, string logDir)
    {
        var load = ScaleBench.LoadAverage();
        var seedHost = await MembershipMemberCommand.StartAsync(null, [Overlay.Hosting.Cluster.ClusterRoles.Seed]);
        var children = new List<BenchChild>();
        try
        {
            var cluster = Cluster.Get(seedHost.Services.GetRequiredService<ActorSystem>());
            var watch = Stopwatch.StartNew();
            var parts = ScaleAggregation.Split(size - 1, processes);
            for (var p = 0; p < processes; p++)
                children.Add(BenchChild.Start($"members-{p}", Path.Combine(logDir, $"membership-{size}-{p}.log"), "membership-member",
                    "--seed", cluster.SelfAddress.ToString(), "--count", parts[p].Count.ToString(CultureInfo.InvariantCulture)));
            await Task.WhenAll(children.Select(c => c.AskAsync(null, BenchConstants.ScaleStepDeadline)));
            while (cluster.State.Members.Count(m => m.Status == MemberStatus.Up) < size)
            {
                if (watch.Elapsed > BenchConstants.ScaleStepDeadline)
                    throw new TimeoutException($"membership: {size} members not Up after {watch.Elapsed.TotalSeconds:F0}s");
                await Task.Delay(10);
            }
            var allUp = watch.Elapsed;
            Console.Error.WriteLine($"membership: {size} members Up after {allUp.TotalSeconds:F1}s");

            // Let the join gossip settle before the idle window.
            await Task.Delay(BenchConstants.ScaleIdleWindow);
            var pids = children.Select(c => c.Pid).ToList();
            var before = children.Select(c => ProcStat.Read(c.Pid)).ToList();
            var bytesBefore = SocketBytes.Read(pids);
            var window = Stopwatch.StartNew();
            await Task.Delay(BenchConstants.ScaleIdleWindow * 2);
            var seconds = window.Elapsed.TotalSeconds;
            var after = children.Select(c => ProcStat.Read(c.Pid)).ToList();
            var bytesAfter = SocketBytes.Read(pids);
            var members = size - 1;
            var cpu = ScaleAggregation.PerSecond(before.Sum(s => s.CpuSeconds), after.Sum(s => s.CpuSeconds), seconds) / members;
            // Bytes between members of one process go over loopback TCP too and count on both ends.
            var read = ScaleAggregation.PerSecond(bytesBefore.Values.Sum(b => b.Received), bytesAfter.Values.Sum(b => b.Received), seconds) / members;
            var sent = ScaleAggregation.PerSecond(bytesBefore.Values.Sum(b => b.Sent), bytesAfter.Values.Sum(b => b.Sent), seconds) / members;
            var rss = after.Sum(s => s.RssBytes) / (double)members / 1048576.0;
            var unreachable = cluster.State.Unreachable.Count;
            Console.Error.WriteLine($"membership: {size}: {cpu:P2} of a core, {read:F0} B/s received, {sent:F0} B/s sent, {rss:F1} MB per member; {unreachable} unreachable");
            return new JsonObject
            {
                ["members"] = size,
                ["member_processes"] = processes,
                ["all_up_s"] = Math.Round(allUp.TotalSeconds, 2),
                ["idle_cpu_cores_per_member"] = Math.Round(cpu, 4),
                ["idle_tcp_received_bytes_per_s_per_member"] = Math.Round(read),
                ["idle_tcp_sent_bytes_per_s_per_member"] = Math.Round(sent),
                ["rss_mb_per_member"] = Math.Round(rss, 1),
                ["unreachable_at_end"] = unreachable,
                ["loadavg"] = load,
            };
        }
        finally
        {
            foreach (var child in children)
                await child.DisposeAsync();
            await seedHost.StopAsync(TimeSpan.FromSeconds(30));
            seedHost.Dispose();
        }
    }
}
