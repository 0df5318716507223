using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Hosting.Storage;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// The scale harness. This process is the seed: it hosts the lease registry singleton
/// (SQLite journal in a temp dir, network 10.0.0.0/8 in /24s) and starts <c>processes</c> member
/// processes (<see cref="ScaleMemberCommand"/>) on 127.0.0.1 that host <c>nodes</c> simulated nodes
/// between them (real NodeActors over a recording data path). It measures:
/// start-up to every node routing to every other; seed and member CPU/RSS/bytes while idle;
/// grant-to-route on every simulated node (grants of fake holders through the seed's registry,
/// one at a time, the next after every node had the route); member bytes per grant; a fresh
/// subscriber receiving the whole view; <c>restarts</c> simulated nodes restarting at once
/// (acquire latency and the journal's event count before and after).
/// </summary>
public static class ScaleBench
{
    /// <summary>Runs it and returns the JSON result.</summary>
    public static async Task<JsonObject> RunAsync(int nodes, int full, int processes, int grants, int restarts, string logDir)
    {
        Directory.CreateDirectory(logDir);
        var dir = Path.Combine(Path.GetTempPath(), "overlay-bench-scale-" + Guid.NewGuid().ToString("N"));
        var storage = StorageSettings.SqliteIn(dir);
        var settings = RegistrySettings.Default with { Ttl = TimeSpan.FromHours(1) };
        var self = Environment.ProcessId;
        var children = new List<BenchChild>();
        var result = new JsonObject
        {
            ["path"] = "seed = this process (registry, SQLite); simulated nodes = real NodeActors over a recording data path " +
                       "in member processes on 127.0.0.1 (real remoting, cluster pub-sub)",
            ["nodes"] = nodes,
            ["full_nodes"] = full,
            ["subscriber_nodes"] = nodes - full,
            ["member_processes"] = processes,
            ["loadavg_start"] = LoadAverage(),
        };
        try
        {
            await using var seed = await BenchMember.StartAsync(storage, settings, null, hocon: BenchConstants.ScaleHocon);
            var configured = await seed.AskRegistryAsync(new ConfigureNetwork(NetworkConfigParser.Parse(BenchConstants.WideNetConf)));
            if (configured is not NetworkConfigured)
                throw new InvalidOperationException($"configuring {BenchConstants.WideNetConf} failed: {configured}");

            // ---- start-up: every simulated node acquires and learns every other's route
            var watch = Stopwatch.StartNew();
            var parts = ScaleAggregation.Split(nodes, processes);
            var fullParts = ScaleAggregation.Split(full, processes);
            for (var p = 0; p < processes; p++)
                children.Add(BenchChild.Start($"member-{p}", Path.Combine(logDir, $"scale-member-{p}.log"), "scale-member",
                    "--seed", seed.Address.ToString(), "--first", Invariant(parts[p].First), "--count", Invariant(parts[p].Count),
                    "--full", Invariant(Math.Min(fullParts[p].Count, parts[p].Count))));
            await Task.WhenAll(children.Select(c => c.AskAsync(null, BenchConstants.ScaleStepDeadline)));
            Progress($"{nodes - full} subscriber-only nodes leased and subscribed after {watch.Elapsed.TotalSeconds:F1}s");
            // Full NodeActors last: every grant makes every running NodeActor reconcile its view.
            await AllAsync(children, "start-full", BenchConstants.ScaleStepDeadline);
            var up = watch.Elapsed;
            Progress($"{nodes} nodes hold leases after {up.TotalSeconds:F1}s");
            await AllAsync(children, $"converge {Invariant(nodes)}", BenchConstants.ScaleStepDeadline);
            var converged = watch.Elapsed;
            Progress($"every node routes to every other after {converged.TotalSeconds:F1}s");
            result["startup"] = new JsonObject
            {
                ["all_leased_s"] = Math.Round(up.TotalSeconds, 1),
                ["all_routed_s"] = Math.Round(converged.TotalSeconds, 1),
                ["seed_rss_mb"] = Mb(ProcStat.Read(self).RssBytes),
                ["member_rss_mb"] = new JsonArray(children.Select(c => (JsonNode)Mb(ProcStat.Read(c.Pid).RssBytes)).ToArray()),
            };

            // ---- idle: seed and members with every node converged, after the subscribers' settle
            // probes (3 s after their first view) and late piece transfers are over
            await Task.Delay(BenchConstants.ScaleSettle);
            var idle = await WindowAsync(self, children, BenchConstants.ScaleIdleWindow, () => Task.CompletedTask);
            result["idle"] = idle.Json();
            Progress($"idle: seed {idle.SeedCpuPerS:P1} CPU, sends {idle.SeedSentPerS:F0} B/s; members {idle.MemberCpuPerS:P1} CPU, receive {idle.MemberReceivedPerS:F0} B/s");

            // ---- grant to route on every simulated node
            var subnets = new List<(string Subnet, long At)>();
            var total = BenchConstants.ScaleWarmup + grants;
            var grantWindow = await WindowAsync(self, children, null, async () =>
            {
                for (var k = 0; k < total; k++)
                {
                    var reply = await seed.AskRegistryAsync(FakeHolder.Request("scale-peer", k) with { RequestedSubnet = ScaleAggregation.PeerSubnet(k) });
                    var at = Stopwatch.GetTimestamp();
                    if (reply is not LeaseAcquired acquired)
                        throw new InvalidOperationException($"scale: acquire {k} failed: {reply}");
                    var subnet = acquired.Lease.Subnet.ToString();
                    await AllAsync(children, $"wait {subnet}", BenchConstants.RouteDeadline);
                    if (k >= BenchConstants.ScaleWarmup)
                        subnets.Add((subnet, at));
                }
            });
            var all = new List<double>();
            var perNode = new List<double>();
            var reports = await Task.WhenAll(children.Select(c =>
                c.AskAsync("report " + string.Join(',', subnets.Select(s => s.Subnet)), BenchConstants.AskTimeout)));
            var parsed = reports.Select(r => JsonNode.Parse(r)!.AsObject()).ToList();
            foreach (var (subnet, at) in subnets)
            {
                var stamps = parsed.SelectMany(r => r[subnet]!.AsArray().Select(v => v!.GetValue<long>()));
                var sample = ScaleAggregation.GrantToRoute(at, stamps, Stopwatch.Frequency);
                if (sample.AllNodesMs is not { } ms)
                    throw new InvalidOperationException($"scale: {sample.Missing} nodes never installed {subnet}");
                all.Add(ms);
                perNode.AddRange(sample.PerNodeMs);
            }
            var leased = nodes + total;
            var granted = new LeaseGranted(((LeaseAcquired)await seed.AskRegistryAsync(FakeHolder.Request("scale-peer", 0) with { RequestedSubnet = ScaleAggregation.PeerSubnet(0) })).Lease);
            var eventBytes = seed.System.Serialization.FindSerializerFor(granted).ToBinary(granted).Length;
            result["grant_to_route"] = new JsonObject
            {
                ["grants"] = grants,
                ["warmup"] = BenchConstants.ScaleWarmup,
                ["all_nodes_ms"] = RouteLatencyBench.Json(Stats.Of(all)),
                ["per_node_ms"] = RouteLatencyBench.Json(Stats.Of(perNode)),
                ["window"] = grantWindow.Json(),
                // Beyond the idle rate: the publish, the registry's reply traffic is local (the
                // orchestrator asks in-process), so this is pub-sub (plus gossip noise).
                ["seed_tcp_sent_bytes_per_grant"] = Math.Round((grantWindow.SeedSentPerS - idle.SeedSentPerS) * grantWindow.Seconds / total),
                ["members_tcp_received_bytes_per_grant"] = Math.Round((grantWindow.MemberReceivedPerS - idle.MemberReceivedPerS) * grantWindow.Seconds / total),
                ["members_tcp_sent_bytes_per_grant"] = Math.Round((grantWindow.MemberSentPerS - idle.MemberSentPerS) * grantWindow.Seconds / total),
                ["seed_cpu_ms_per_grant"] = Math.Round((grantWindow.SeedCpuPerS - idle.SeedCpuPerS) * grantWindow.Seconds * 1000 / total, 2),
                ["lease_granted_serialized_bytes"] = eventBytes,
                ["pubsub_remote_messages_per_grant"] = processes,
                ["pubsub_local_deliveries_per_grant"] = nodes,
            };
            Progress($"grant to route, all {nodes} nodes: p50 {Stats.Of(all).P50} ms, p99 {Stats.Of(all).P99} ms");

            // ---- a fresh subscriber receiving the whole view (in member 0, over remoting)
            var fresh = new JsonArray();
            for (var run = 0; run < 3; run++)
                fresh.Add(double.Parse(await children[0].AskAsync($"fresh {Invariant(leased)}", BenchConstants.ScaleStepDeadline),
                    CultureInfo.InvariantCulture));
            result["fresh_view"] = new JsonObject { ["leases"] = leased, ["ms"] = fresh };
            Progress($"fresh subscriber, {leased} leases: {fresh.ToJsonString()} ms");

            // ---- restarts: stop N simulated nodes at once, start fresh ones with the same names
            var before = await JournalEventsAsync(storage);
            var split = ScaleAggregation.Split(restarts, processes); // never more per process than its full nodes (checked there)
            var restartWatch = Stopwatch.StartNew();
            var answers = await Task.WhenAll(children.Select((c, p) =>
                c.AskAsync($"restart {Invariant(split[p].Count)}", BenchConstants.ScaleStepDeadline)));
            var restartWall = restartWatch.Elapsed;
            var after = await JournalEventsAsync(storage);
            var acquire = answers.SelectMany(a => JsonNode.Parse(a)!.AsArray().Select(v => v!.GetValue<double>())).ToList();
            result["restarts"] = new JsonObject
            {
                ["nodes"] = restarts,
                ["acquire_ms"] = RouteLatencyBench.Json(Stats.Of(acquire)),
                ["wall_s"] = Math.Round(restartWall.TotalSeconds, 2),
                ["journal_events_before"] = before,
                ["journal_events_after"] = after,
                ["journal_events_per_restart"] = Math.Round((after - before) / (double)restarts, 3),
            };
            Progress($"{restarts} restarts: acquire p99 {Stats.Of(acquire).P99} ms, journal +{after - before}");
            result["seed_peak_rss_mb"] = Mb(ProcStat.Read(self).RssBytes);
            result["member_peak_rss_mb"] = new JsonArray(children.Select(c => (JsonNode)Mb(ProcStat.Read(c.Pid).RssBytes)).ToArray());
            result["loadavg_end"] = LoadAverage();
        }
        finally
        {
            foreach (var child in children)
                await child.DisposeAsync();
            SqliteConnection.ClearAllPools();
            RouteLatencyBench.TryDelete(dir);
        }
        return result;
    }

    /// <summary>CPU and TCP bytes of the seed and the members over a window: the action's duration,
    /// or <paramref name="fixedWindow"/> when given.</summary>
    private static async Task<Window> WindowAsync(int seed, IReadOnlyList<BenchChild> children, TimeSpan? fixedWindow, Func<Task> action)
    {
        var pids = children.Select(c => c.Pid).Append(seed).ToList();
        var cpuBefore = pids.ToDictionary(p => p, p => ProcStat.Read(p).CpuSeconds);
        var bytesBefore = SocketBytes.Read(pids);
        var watch = Stopwatch.StartNew();
        await action();
        if (fixedWindow is { } window)
            await Task.Delay(window);
        var seconds = watch.Elapsed.TotalSeconds;
        var cpuAfter = pids.ToDictionary(p => p, p => ProcStat.Read(p).CpuSeconds);
        var bytesAfter = SocketBytes.Read(pids);
        var members = children.Select(c => c.Pid).ToList();
        double Rate(Func<int, double> before, Func<int, double> after, IEnumerable<int> of) =>
            of.Sum(p => ScaleAggregation.PerSecond(before(p), after(p), seconds));
        return new Window(seconds,
            Rate(p => cpuBefore[p], p => cpuAfter[p], [seed]),
            Rate(p => cpuBefore[p], p => cpuAfter[p], members),
            Rate(p => bytesBefore[p].Sent, p => bytesAfter[p].Sent, [seed]),
            Rate(p => bytesBefore[p].Received, p => bytesAfter[p].Received, members),
            Rate(p => bytesBefore[p].Sent, p => bytesAfter[p].Sent, members));
    }

    private sealed record Window(double Seconds, double SeedCpuPerS, double MemberCpuPerS, double SeedSentPerS,
        double MemberReceivedPerS, double MemberSentPerS)
    {
        public JsonObject Json() => new()
        {
            ["seconds"] = Math.Round(Seconds, 2),
            ["seed_cpu_cores"] = Math.Round(SeedCpuPerS, 3),
            ["members_cpu_cores"] = Math.Round(MemberCpuPerS, 3),
            ["seed_tcp_sent_bytes_per_s"] = Math.Round(SeedSentPerS),
            ["members_tcp_received_bytes_per_s"] = Math.Round(MemberReceivedPerS),
            ["members_tcp_sent_bytes_per_s"] = Math.Round(MemberSentPerS),
        };
    }

    private static async Task AllAsync(IEnumerable<BenchChild> children, string command, TimeSpan timeout) =>
        await Task.WhenAll(children.Select(c => c.AskAsync(command, timeout)));

    /// <summary>Rows in the SQLite journal table (every persisted event of every persistence id).</summary>
    private static async Task<long> JournalEventsAsync(StorageSettings storage)
    {
        await using var connection = new SqliteConnection(storage.ConnectionString);
        await connection.OpenAsync();
        await using var find = connection.CreateCommand();
        find.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%journal%' AND name NOT LIKE '%tag%' AND name NOT LIKE '%metadata%'";
        var table = await find.ExecuteScalarAsync() as string ?? throw new InvalidOperationException($"no journal table in {storage.ConnectionString}");
        await using var count = connection.CreateCommand();
        count.CommandText = $"SELECT COUNT(*) FROM \"{table}\"";
        return Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    internal static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static double Mb(long bytes) => Math.Round(bytes / 1048576.0, 1);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Progress(string line) => Console.Error.WriteLine($"scale: {line}");
}
