using Overlay.Faults.Tests.Harness;
using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Rows;

/// <summary>
/// Fault rows that run only by command (lab/faults.sh F3, or OVERLAY_FAULTS=all): longer, or
/// covering the same code as a CI row. docs/faults.md describes each.
/// </summary>
public sealed class LabFaultRows(ITestOutputHelper output)
{
    private static readonly (int, int)[] BothWays = [(1, 2), (2, 1)];

    /// <summary>F14: 3 s dropped, 3 s open, ten times: a minute of flapping.</summary>
    private static readonly TimeSpan FlapHalfPeriod = TimeSpan.FromSeconds(3);

    private const int FlapCycles = 10;

    /// <summary>A net-conf with two subnets only: a new node can get a subnet only when one is freed.</summary>
    private const string TinyPool = """{"Network":"10.244.0.0/16","SubnetLen":24,"SubnetMin":"10.244.1.0","SubnetMax":"10.244.2.0","Backend":{"Type":"udp","Port":8285}}""";

    [FaultRow("F2")]
    [Trait("Fault", "F2")]
    public Task F2_the_only_seed_killed_and_restarted_with_the_nodes_stopped() => FaultRun.RunAsync(
        output,
        "F2",
        "nodes stopped (SIGTERM), then SIGKILL of the only seed (SQLite), restarted on its data",
        new LabOptions(),
        new RowExpectations { Checks = [.. RowChecks.Always, Check.I6RegistryLive, Check.NoLeaseEnded] },
        BothWays,
        async run =>
        {
            run.Note("nodes stopped gracefully (they keep their leases)");
            await Task.WhenAll(run.Lab.StopAsync("h1"), run.Lab.StopAsync("h2"));
            run.FaultStart("SIGKILL seed");
            await run.Lab.KillAsync("seed");
            await run.Lab.StartProcessAsync("seed", waitReady: false);
            run.Healed("seed started again on the same data directory");
        },
        observeMin: TimeSpan.FromSeconds(20));

    [FaultRow("F3")]
    [Trait("Fault", "F3")]
    public Task F3_the_registry_host_stopped_for_20_seconds_while_a_node_joins() => FaultRun.RunAsync(
        output,
        "F3",
        "SIGSTOP of the only seed for 20 s while a third node starts, then SIGCONT",
        new LabOptions { Hosts = 3 },
        new RowExpectations { Checks = RowChecks.ControlPlane },
        BothWays,
        async run =>
        {
            run.Lab.AddNode(3);
            run.FaultStart("SIGSTOP seed; h3 starts");
            run.Lab.Signal("seed", FaultLab.SigStop);
            await run.Lab.StartProcessAsync("h3", waitReady: false);
            await FaultRun.HoldAsync(TimeSpan.FromSeconds(20));
            run.Lab.Signal("seed", FaultLab.SigCont);
            run.Healed("SIGCONT seed");
        });

    [FaultRow("F4")]
    [Trait("Fault", "F4")]
    public Task F4_a_node_stopped_beyond_the_grace_while_a_new_node_joins_a_tiny_pool() => FaultRun.RunAsync(
        output,
        "F4",
        "SIGSTOP of h2 for 75 s (grace 20 s) while h3 joins a two-subnet pool, then SIGCONT",
        new LabOptions { Hosts = 3, LeaseGrace = TimeSpan.FromSeconds(20), NetConf = TinyPool },
        new RowExpectations { Checks = [.. RowChecks.Always, Check.I7NoSilentSwitch] },
        [(1, 2)],
        async run =>
        {
            run.Lab.AddNode(3);
            run.FaultStart("SIGSTOP h2; h3 starts");
            run.Lab.Signal("h2", FaultLab.SigStop);
            await run.Lab.StartProcessAsync("h3", waitReady: false);
            await FaultRun.HoldAsync(TimeSpan.FromSeconds(75));
            run.Lab.Signal("h2", FaultLab.SigCont);
            run.Healed("SIGCONT h2");
        },
        observeMin: TimeSpan.FromSeconds(30),
        observeMax: TimeSpan.FromSeconds(30));

    [FaultRow("F11")]
    [Trait("Fault", "F11")]
    public Task F11_a_node_fully_isolated_beyond_the_grace() => FaultRun.RunAsync(
        output,
        "F11",
        "h2 fully isolated (all of eth0 dropped) for 75 s with a 30 s grace, then healed",
        new LabOptions { LeaseGrace = TimeSpan.FromSeconds(30) },
        new RowExpectations { Checks = [.. RowChecks.Always, Check.I3OneCluster, Check.I4ViewsConverge, Check.I7NoSilentSwitch] },
        BothWays,
        async run =>
        {
            string ns = run.Lab.Topology.Host(2);
            run.FaultStart("iptables DROP all on h2 eth0");
            await run.Lab.IsolateAsync(ns);
            await FaultRun.HoldAsync(TimeSpan.FromSeconds(75));
            await run.Lab.RejoinAsync(ns);
            run.Healed("rules removed");
        });

    [FaultRow("F13")]
    [Trait("Fault", "F13")]
    public Task F13_a_node_drops_input_from_the_seed_only() => FaultRun.RunAsync(
        output,
        "F13",
        "asymmetric: h2 drops every packet from the seed (INPUT only) for 30 s",
        new LabOptions(),
        new RowExpectations { Checks = RowChecks.ControlPlane },
        BothWays,
        async run =>
        {
            string ns = run.Lab.Topology.Host(2);
            string seed = Overlay.EndToEnd.Tests.Infrastructure.Topology.SeedAddress;
            run.FaultStart($"h2 INPUT DROP from {seed}");
            await run.Lab.IptablesAsync(ns, "-I", "INPUT", "-s", seed, "-j", "DROP");
            await FaultRun.HoldAsync(TimeSpan.FromSeconds(30));
            await run.Lab.IptablesAsync(ns, "-D", "INPUT", "-s", seed, "-j", "DROP");
            run.Healed("rule removed");
        });

    [FaultRow("F14")]
    [Trait("Fault", "F14")]
    public Task F14_a_flapping_seed_for_a_minute() => FaultRun.RunAsync(
        output,
        "F14",
        "every packet into the seed's eth0 dropped 3 s of every 6, for 60 s",
        new LabOptions(),
        new RowExpectations { Checks = RowChecks.ControlPlane },
        BothWays,
        async run =>
        {
            // A toggled DROP rather than tc netem loss: netem needs the sch_netem module, which
            // not every kernel (or container) has.
            string ns = run.Lab.Topology.Seed;
            run.FaultStart("seed eth0 INPUT DROP toggled every 3 s");
            for (int flap = 0; flap < FlapCycles; flap++)
            {
                await run.Lab.IptablesAsync(ns, "-I", "INPUT", "-i", "eth0", "-j", "DROP");
                await FaultRun.HoldAsync(FlapHalfPeriod);
                await run.Lab.IptablesAsync(ns, "-D", "INPUT", "-i", "eth0", "-j", "DROP");
                await FaultRun.HoldAsync(FlapHalfPeriod);
            }

            run.Healed("flapping stopped");
        });

    [FaultRow("F23")]
    [Trait("Fault", "F23")]
    public Task F23_overlay0_deleted_under_the_node() => FaultRun.RunAsync(
        output,
        "F23",
        "ip link del overlay0 in h2",
        new LabOptions(),
        new RowExpectations
        {
            Checks = [.. RowChecks.Always, Check.TunRestored, Check.I5Traffic, Check.I7NoSilentSwitch],
            Plane = FaultPlane.DataPlane,
            TunWindow = 5,
            TrafficResumeWindow = 10,
        },
        BothWays,
        async run =>
        {
            run.FaultStart("overlay0 deleted in h2");
            await run.Lab.IpAsync(run.Lab.Topology.Host(2), "link", "del", "overlay0");
            run.Healed("(nothing to heal: the node must repair it)");
        },
        observeMin: TimeSpan.FromSeconds(12));

    [FaultRow("F24")]
    [Trait("Fault", "F24")]
    public Task F24_the_network_route_deleted() => FaultRun.RunAsync(
        output,
        "F24",
        "ip route del 10.244.0.0/16 (via overlay0) in h2",
        new LabOptions(),
        new RowExpectations
        {
            Checks = [.. RowChecks.Always, Check.I5Traffic, Check.I7NoSilentSwitch],
            Plane = FaultPlane.DataPlane,
            TrafficResumeWindow = 10,
        },
        BothWays,
        async run =>
        {
            run.FaultStart("route 10.244.0.0/16 deleted in h2");
            await run.Lab.IpAsync(run.Lab.Topology.Host(2), "route", "del", "10.244.0.0/16");
            run.Healed("(nothing to heal: the node must repair it)");
        },
        observeMin: TimeSpan.FromSeconds(12));

    [FaultRow("F24b")]
    [Trait("Fault", "F24b")]
    public Task F24b_overlay0_set_down() => FaultRun.RunAsync(
        output,
        "F24b",
        "ip link set overlay0 down in h2",
        new LabOptions(),
        new RowExpectations
        {
            Checks = [.. RowChecks.Always, Check.I5Traffic, Check.I7NoSilentSwitch],
            Plane = FaultPlane.DataPlane,
            TrafficResumeWindow = 10,
        },
        BothWays,
        async run =>
        {
            run.FaultStart("overlay0 set down in h2");
            await run.Lab.IpAsync(run.Lab.Topology.Host(2), "link", "set", "overlay0", "down");
            run.Healed("(nothing to heal: the node must repair it)");
        },
        observeMin: TimeSpan.FromSeconds(12));

    [FaultRow("F12", Tools = ["runuser", "psql"])]
    [Trait("Fault", "F12")]
    public Task F12_the_registry_host_cut_from_postgresql_for_30_seconds() => F12Async("F12", reject: false);

    [FaultRow("F12b", Tools = ["runuser", "psql"])]
    [Trait("Fault", "F12b")]
    public Task F12b_the_registry_host_reset_by_postgresql_for_30_seconds() => F12Async("F12b", reject: true);

    private Task F12Async(string row, bool reject) => FaultRun.RunAsync(
        output,
        row,
        $"seed <-> PostgreSQL host {(reject ? "TCP reset" : "dropped")} for 30 s while nodes renew (TTL 20 s)",
        new LabOptions { Postgres = true, PostgresOwnHost = true, LeaseTtl = TimeSpan.FromSeconds(20) },
        new RowExpectations { Checks = [.. RowChecks.ControlPlane, Check.WritesResume, Check.UnreadyDuringFault] },
        BothWays,
        async run =>
        {
            string ns = run.Lab.Topology.Seed;
            string db = Overlay.EndToEnd.Tests.Infrastructure.Topology.DbAddress;
            run.FaultStart($"seed cut from {db}");
            await run.Lab.PartitionAsync(ns, db, reject);
            await FaultRun.HoldAsync(TimeSpan.FromSeconds(30));
            await run.Lab.HealPartitionAsync(ns, db, reject);
            run.Healed("rules removed");
        },
        observeMin: TimeSpan.FromSeconds(25));
}
