using System.Text.Json;
using Overlay.EndToEnd.Tests.Infrastructure;
using Overlay.EndToEnd.Tests.Management;
using Overlay.Faults.Tests.Harness;
using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Rows;

/// <summary>
/// The rows with two seeds (by command: lab/faults.sh F8, or OVERLAY_FAULTS=all). The lab: seed at
/// 192.0.2.10 (the oldest member, hosting the registry) and seed2 at 192.0.2.97, both with the
/// registry role on one PostgreSQL on a database host of its own (192.0.2.98), every process
/// listing both seeds, and a supervisor that restarts a seed 2 s after it exits (systemd's
/// Restart=always), because a downed seed exits so that its supervisor starts it again.
/// F30 has one seed and a rogue second one on a SQLite file of its own. docs/faults.md describes each.
/// </summary>
public sealed class TwoSeedFaultRows(ITestOutputHelper output)
{
    private static readonly (int, int)[] BothWays = [(1, 2), (2, 1)];

    private static readonly LabOptions TwoSeeds = new() { Seeds = 2, Postgres = true, PostgresOwnHost = true, SuperviseSeeds = true };

    /// <summary>F1: nodes that start (and acquire) at the moment of the kill.</summary>
    private const int StormNodes = 3;

    [FaultRow("F1", Tools = ["runuser", "psql"])]
    [Trait("Fault", "F1")]
    public Task F1_the_registry_host_killed_during_an_acquire_storm() => FaultRun.RunAsync(
        output,
        "F1",
        $"SIGKILL of seed (the registry host, 2 seeds on PostgreSQL) while {StormNodes} new nodes acquire; restarted 2 s later",
        TwoSeeds with { Hosts = 2 + StormNodes },
        new RowExpectations { Checks = [.. RowChecks.Always, Check.I5Traffic, Check.I6RegistryLive], RegistryWindow = 45 },
        BothWays,
        async run =>
        {
            var storm = Enumerable.Range(3, StormNodes).ToList();
            foreach (int i in storm)
            {
                run.Lab.AddNode(i);
            }

            run.FaultStart($"h3-h{2 + StormNodes} start; SIGKILL seed");
            await Task.WhenAll(storm.Select(i => run.Lab.StartProcessAsync($"h{i}", waitReady: false)));
            // The new nodes' acquires come a few hundred milliseconds apart: the kill follows the
            // first grant to one of them (the registry host's /leases polled every 100 ms), so the
            // others' acquires are in flight when it lands.
            await Poll.UntilAsync("the first grant to a new node", TimeSpan.FromSeconds(60), async () =>
            {
                var answer = await run.Lab.Processes["seed"].Http.GetAsync("/leases");
                var leases = answer is { Status: 200 } ok ? JsonSerializer.Deserialize<Overlay.Hosting.Management.LeasesJson>(ok.Body, Overlay.Hosting.Management.Client.ManagementClient.JsonOptions) : null;
                return leases is not null && leases.Leases.Count > run.Lab.Options.Nodes ? null : $"{leases?.Leases.Count ?? 0} leases";
            }, TimeSpan.FromMilliseconds(100));
            await run.Lab.KillAsync("seed");
            await FaultRun.HoldAsync(FaultLab.SupervisorRestartDelay);
            await run.Lab.StartProcessAsync("seed", waitReady: false);
            run.Healed("seed started again on its data directory (as its supervisor would)");
        },
        observeMin: TimeSpan.FromSeconds(30));

    [FaultRow("F6", Tools = ["runuser", "psql"])]
    [Trait("Fault", "F6")]
    public Task F6_both_seeds_killed_and_the_second_in_the_list_restarted_first() => FaultRun.RunAsync(
        output,
        "F6",
        "SIGKILL of both seeds; seed2 (second in --seeds) started first, seed 10 s later",
        TwoSeeds,
        new RowExpectations { Checks = [.. RowChecks.Always, Check.I3OneCluster, Check.I5Traffic, Check.I6RegistryLive] },
        BothWays,
        async run =>
        {
            run.FaultStart("SIGKILL seed and seed2");
            await Task.WhenAll(run.Lab.KillAsync("seed"), run.Lab.KillAsync("seed2"));
            await run.Lab.StartProcessAsync("seed2", waitReady: false);
            await FaultRun.HoldAsync(TimeSpan.FromSeconds(10));
            await run.Lab.StartProcessAsync("seed", waitReady: false);
            run.Healed("both seeds started again on their data directories, seed2 first");
        },
        observeMin: TimeSpan.FromSeconds(20));

    [FaultRow("F7", Tools = ["runuser", "psql"])]
    [Trait("Fault", "F7")]
    public Task F7_a_rolling_restart_of_both_seeds_while_nodes_renew() => FaultRun.RunAsync(
        output,
        "F7",
        "rolling restart (SIGTERM, start, ready) of seed, then seed2, with TTL 20 s while nodes renew",
        TwoSeeds with { LeaseTtl = TimeSpan.FromSeconds(20) },
        new RowExpectations { Checks = [.. RowChecks.Always, Check.I3OneCluster, Check.I5Traffic, Check.I6RegistryLive] },
        BothWays,
        async run =>
        {
            run.FaultStart("rolling restart: seed");
            foreach (string seed in new[] { "seed", "seed2" })
            {
                run.Note($"{seed} stopped (SIGTERM)");
                await run.Lab.StopAsync(seed);
                await run.Lab.StartProcessAsync(seed, waitReady: true);
                run.Note($"{seed} ready again");
            }

            run.Healed("both seeds restarted");
        },
        // Beyond two TTLs after the last restart: a renewal lost to the restarts would show as an expiry.
        observeMin: TimeSpan.FromSeconds(45));

    [FaultRow("F8", Tools = ["runuser", "psql"])]
    [Trait("Fault", "F8")]
    public Task F8_the_oldest_seed_partitioned_alone_for_30_seconds() => PartitionOldestSeedAsync("F8", TimeSpan.FromSeconds(30));

    /// <summary>F8 with a cut longer than the downed seed's restart and join delay (about 40 s): the seed,
    /// downed by its own side and restarted by its supervisor while the cut lasts, finds nobody, and must
    /// keep asking instead of forming an island (SeedConstants.SeedNodeTimeoutAfterDowned).</summary>
    [FaultRow("F8b", Tools = ["runuser", "psql"])]
    [Trait("Fault", "F8b")]
    public Task F8b_the_oldest_seed_partitioned_alone_for_90_seconds() => PartitionOldestSeedAsync("F8b", TimeSpan.FromSeconds(90));

    private Task PartitionOldestSeedAsync(string row, TimeSpan cut) => FaultRun.RunAsync(
        output,
        row,
        $"clean partition {{seed}} / {{seed2, h1, h2}} for {cut.TotalSeconds:0} s (the database reachable from both), then healed and watched 90 s",
        TwoSeeds,
        new RowExpectations { Checks = RowChecks.ControlPlane },
        BothWays,
        async run =>
        {
            string ns = run.Lab.Topology.Seed;
            string[] others = [Topology.Seed2Address, Topology.HostAddress(1), Topology.HostAddress(2)];
            run.FaultStart("seed cut from seed2, h1, h2");
            foreach (string address in others)
            {
                await run.Lab.PartitionAsync(ns, address);
            }

            await FaultRun.HoldAsync(cut);
            foreach (string address in others)
            {
                await run.Lab.HealPartitionAsync(ns, address);
            }

            run.Healed("rules removed");
        },
        // Beyond the lab's 60 s grace after healing: an island registry on the shared journal would
        // end the other side's leases as member_removed once the grace ran out.
        observeMin: TimeSpan.FromSeconds(90),
        observeMax: TimeSpan.FromSeconds(90));

    [FaultRow("F9", Tools = ["runuser", "psql"])]
    [Trait("Fault", "F9")]
    public Task F9_the_two_seeds_lose_only_each_other_for_20_seconds() => FaultRun.RunAsync(
        output,
        "F9",
        "seed <-> seed2 dropped for 20 s (the nodes reach both)",
        TwoSeeds,
        new RowExpectations { Checks = [.. RowChecks.ControlPlane, Check.AtMostOneSeedLeaves] },
        BothWays,
        async run =>
        {
            string ns = run.Lab.Topology.Seed;
            run.FaultStart("seed <-> seed2 dropped");
            await run.Lab.PartitionAsync(ns, Topology.Seed2Address);
            await FaultRun.HoldAsync(TimeSpan.FromSeconds(20));
            await run.Lab.HealPartitionAsync(ns, Topology.Seed2Address);
            run.Healed("rules removed");
        },
        observeMin: TimeSpan.FromSeconds(20));

    [FaultRow("F30")]
    [Trait("Fault", "F30")]
    public Task F30_a_rogue_registry_member_on_its_own_sqlite_joins() => FaultRun.RunAsync(
        output,
        "F30",
        "a second seed on a SQLite file of its own (a rogue registry member) joins the cluster",
        new LabOptions(),
        new RowExpectations { Checks = [.. RowChecks.Always, Check.I4ViewsConverge, Check.I5Traffic, Check.I6RegistryLive] },
        BothWays,
        async run =>
        {
            await run.Lab.Topology.Seed2Async();
            run.Lab.AddSeed("seed2", rogueDatabase: true, intruder: true);
            run.FaultStart("rogue seed2 (own SQLite) starts");
            await run.Lab.StartProcessAsync("seed2", waitReady: false);
            run.Healed("(nothing to heal: observed)");
        },
        observeMin: TimeSpan.FromSeconds(40));
}
