using Overlay.Faults.Tests.Harness;
using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Rows;

/// <summary>
/// The fault rows CI runs (about 15 minutes together on two cores): each builds its own lab (one
/// seed, two nodes with a pod each, 10 Hz probes both ways between the pods), records a baseline,
/// injects one fault, heals it, observes, and checks the history. docs/faults.md describes each.
/// </summary>
public sealed class CiFaultRows(ITestOutputHelper output)
{
    private static readonly (int, int)[] BothWays = [(1, 2), (2, 1)];

    [FaultRow("F2b", Ci = true)]
    [Trait("Fault", "F2b")]
    public Task F2b_the_only_seed_killed_and_restarted_on_its_data_while_nodes_run() => FaultRun.RunAsync(
        output,
        "F2b",
        "SIGKILL of the only seed (SQLite), restarted on its data, nodes running",
        new LabOptions(),
        new RowExpectations { Checks = RowChecks.ControlPlane },
        BothWays,
        async run =>
        {
            run.FaultStart("SIGKILL seed");
            await run.Lab.KillAsync("seed");
            await run.Lab.StartProcessAsync("seed", waitReady: false);
            run.Healed("seed started again on the same data directory");
        });

    [FaultRow("F5", Ci = true)]
    [Trait("Fault", "F5")]
    public Task F5_a_node_killed_and_restarted_within_the_grace() => FaultRun.RunAsync(
        output,
        "F5",
        "SIGKILL of node h2, restarted on its subnet.env within the grace",
        new LabOptions { LeaseGrace = TimeSpan.FromSeconds(60) },
        RowChecks.NodeBackOnItsSubnet("h2"),
        BothWays,
        async run =>
        {
            run.FaultStart("SIGKILL h2");
            await run.Lab.KillAsync("h2");
            await run.Lab.StartProcessAsync("h2", waitReady: false);
            run.Healed("h2 started again");
        });

    [FaultRow("F10", Ci = true)]
    [Trait("Fault", "F10")]
    public Task F10_a_node_cut_from_the_control_plane_for_30_seconds() => FaultRun.RunAsync(
        output,
        "F10",
        "h2's TCP dropped both ways for 30 s (UDP 8285 open)",
        new LabOptions(),
        new RowExpectations { Checks = RowChecks.ControlPlane },
        BothWays,
        async run =>
        {
            string ns = run.Lab.Topology.Host(2);
            run.FaultStart("iptables DROP tcp on h2 eth0");
            await run.Lab.CutControlPlaneAsync(ns);
            await FaultRun.HoldAsync(TimeSpan.FromSeconds(30));
            await run.Lab.HealControlPlaneAsync(ns);
            run.Healed("tcp rules removed");
        });

    [FaultRow("F16", Ci = true, Tools = ["runuser", "psql"])]
    [Trait("Fault", "F16")]
    public Task F16_postgresql_restarted_immediately_during_renewals() => FaultRun.RunAsync(
        output,
        "F16",
        "private PostgreSQL: pg_ctl restart -m immediate while nodes renew (TTL 20 s)",
        new LabOptions { Postgres = true, LeaseTtl = TimeSpan.FromSeconds(20) },
        new RowExpectations { Checks = [.. RowChecks.ControlPlane, Check.WritesResume] },
        BothWays,
        async run =>
        {
            run.FaultStart("pg_ctl restart -m immediate");
            await run.Lab.Postgres!.RestartImmediateAsync();
            run.Healed("PostgreSQL accepts connections again");
        },
        observeMin: TimeSpan.FromSeconds(25));

    [FaultRow("F27", Ci = true)]
    [Trait("Fault", "F27")]
    public Task F27_a_second_node_with_a_live_nodes_name() => FaultRun.RunAsync(
        output,
        "F27",
        "a node on h3 started with h1's node name",
        new LabOptions { Hosts = 3 },
        new RowExpectations { Checks = [.. RowChecks.Always, Check.Refused, Check.I4ViewsConverge, Check.I5Traffic, Check.I7NoSilentSwitch] },
        BothWays,
        async run =>
        {
            run.Lab.AddNode(3, nodeName: run.Lab.Topology.Host(1), intruder: true);
            run.FaultStart("h3 started as " + run.Lab.Topology.Host(1));
            await run.Lab.StartProcessAsync("h3", waitReady: false);
            await FaultRun.HoldAsync(TimeSpan.FromSeconds(30));
            run.Healed("(nothing to heal: observed 30 s with the intruder)");
        });

    [FaultRow("F28", Ci = true)]
    [Trait("Fault", "F28")]
    public Task F28_two_nodes_with_one_public_ip() => FaultRun.RunAsync(
        output,
        "F28",
        "a node on h3 started with h1's public IP",
        new LabOptions { Hosts = 3 },
        new RowExpectations { Checks = [.. RowChecks.Always, Check.Refused, Check.JournalQuiet, Check.I4ViewsConverge, Check.I5Traffic, Check.I7NoSilentSwitch] },
        BothWays,
        async run =>
        {
            run.Lab.AddNode(3, publicIp: Overlay.EndToEnd.Tests.Infrastructure.Topology.HostAddress(1), intruder: true);
            run.FaultStart("h3 started with public IP " + Overlay.EndToEnd.Tests.Infrastructure.Topology.HostAddress(1));
            await run.Lab.StartProcessAsync("h3", waitReady: false);
            await FaultRun.HoldAsync(TimeSpan.FromSeconds(30));
            run.Healed("(nothing to heal: observed 30 s with the intruder)");
        });

    [FaultRow("F29", Ci = true)]
    [Trait("Fault", "F29")]
    public Task F29_the_seed_restarted_with_a_different_net_conf() => FaultRun.RunAsync(
        output,
        "F29",
        "seed stopped and restarted with a net-conf whose SubnetMin..SubnetMax excludes the live leases",
        new LabOptions(),
        new RowExpectations { Checks = [.. RowChecks.ControlPlane, Check.NoLeaseEnded, Check.DriftReported] },
        BothWays,
        async run =>
        {
            string conf = Path.Combine(run.Lab.RunDirectory, "net-conf-drift.json");
            await File.WriteAllTextAsync(conf, """{"Network":"10.244.0.0/16","SubnetLen":24,"SubnetMin":"10.244.100.0","SubnetMax":"10.244.200.0","Backend":{"Type":"udp","Port":8285}}""");
            run.FaultStart("seed stopped; restarted with SubnetMin 10.244.100.0");
            await run.Lab.StopAsync("seed");
            run.Lab.ReplaceSeedArgument("--net-config-path", conf);
            await run.Lab.StartProcessAsync("seed", waitReady: false);
            run.Healed("seed started with the drifted net-conf");
        });
}
