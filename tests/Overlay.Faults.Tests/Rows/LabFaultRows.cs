using Overlay.EndToEnd.Tests.Infrastructure;
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
        "SIGSTOP of the only seed for 20 s while a third node starts, then SIGCONT (the seed's unit restarts it if it exits)",
        new LabOptions { Hosts = 3, SuperviseSeeds = true },
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

    [FaultRow("F4b")]
    [Trait("Fault", "F4b")]
    public Task F4b_a_node_stopped_beyond_the_downing_but_within_the_grace_serves_its_subnet_again() => FaultRun.RunAsync(
        output,
        "F4b",
        "SIGSTOP of h2 for 30 s (grace 60 s, nobody else wants its subnet), then SIGCONT",
        new LabOptions { LeaseGrace = TimeSpan.FromSeconds(60) },
        RowChecks.NodeBackOnItsSubnet("h2"),
        BothWays,
        async run =>
        {
            // Downed after about 10 s, so the node withdraws its subnet at SIGCONT; the registry still
            // holds its lease (grace), so the fresh incarnation is granted the same subnet and serves it again.
            run.FaultStart("SIGSTOP h2");
            run.Lab.Signal("h2", FaultLab.SigStop);
            await FaultRun.HoldAsync(TimeSpan.FromSeconds(30));
            run.Lab.Signal("h2", FaultLab.SigCont);
            run.Healed("SIGCONT h2");
        });

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
            string seed = Topology.SeedAddress;
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

    [FaultRow("F17", Tools = ["fallocate", "mount", "umount"])]
    [Trait("Fault", "F17")]
    public Task F17_the_seeds_sqlite_disk_full_then_freed() => FaultRun.RunAsync(
        output,
        "F17",
        "the seed's SQLite data directory (16 MiB tmpfs) full for 30 s while h3 joins and nodes renew (TTL 60 s), then freed",
        new LabOptions { Hosts = 3, SeedDataTmpfsMiB = 16, LeaseTtl = TimeSpan.FromSeconds(60) },
        new RowExpectations { Checks = [.. RowChecks.ControlPlane, Check.WritesResume, Check.UnreadyDuringFault] },
        BothWays,
        async run =>
        {
            run.Lab.AddNode(3);
            run.FaultStart("seed data directory filled; h3 starts");
            long taken = await run.Lab.FillSeedDataAsync();
            run.Note($"filler took {taken} bytes");
            await run.Lab.StartProcessAsync("h3", waitReady: false);

            // The visible failure, seen from the node that asks: h3's acquire is refused with the
            // journal's error, so h3 reports not ready and says why. Polled (bounded by the fault's 30 s).
            var clock = System.Diagnostics.Stopwatch.StartNew();
            (int Status, string Body)? refusal = null;
            await Poll.UntilAsync("h3 reports its acquire refused by the full journal", TimeSpan.FromSeconds(30), async () =>
            {
                refusal = await run.Lab.Processes["h3"].Http.GetAsync("/health/ready");
                return refusal is { Status: not 200 } r && r.Body.Contains("journal unavailable", StringComparison.Ordinal)
                    ? null : $"answer {refusal?.Status} {refusal?.Body}";
            });
            run.Note($"h3 /health/ready while full: {refusal?.Status} {refusal?.Body}");
            await FaultRun.HoldAsync(TimeSpan.FromSeconds(Math.Max(0, 30 - clock.Elapsed.TotalSeconds)));
            run.Lab.FreeSeedData();
            run.Healed("filler deleted");
        },
        observeMin: TimeSpan.FromSeconds(15));

    [FaultRow("F23")]
    [Trait("Fault", "F23")]
    public Task F23_overlay0_deleted_under_the_node() =>
        LinkFaultAsync("F23", "ip link del overlay0 in h2", "overlay0 deleted in h2", ["link", "del", "overlay0"], tunWindow: 5);

    [FaultRow("F24")]
    [Trait("Fault", "F24")]
    public Task F24_the_network_route_deleted() =>
        LinkFaultAsync("F24", "ip route del 10.244.0.0/16 (via overlay0) in h2", "route 10.244.0.0/16 deleted in h2", ["route", "del", "10.244.0.0/16"]);

    [FaultRow("F24b")]
    [Trait("Fault", "F24b")]
    public Task F24b_overlay0_set_down() =>
        LinkFaultAsync("F24b", "ip link set overlay0 down in h2", "overlay0 set down in h2", ["link", "set", "overlay0", "down"]);

    /// <summary>
    /// F23, F24, F24b: one ip(8) command breaks h2's link under its running node, and nothing heals
    /// it but the node's watchdog. h2 gets a default route into the lab (via the seed's address, whose
    /// namespace does not forward) first, so that right after the break <c>ip route get</c> shows where
    /// h2 would send pod 1's traffic: anywhere but out of eth0 (the backstop makes it unreachable) is
    /// "no fall-through to the default route".
    /// </summary>
    private Task LinkFaultAsync(string row, string fault, string mark, string[] command, int? tunWindow = null) => FaultRun.RunAsync(
        output,
        row,
        fault,
        new LabOptions(),
        new RowExpectations
        {
            Checks = tunWindow is null
                ? [.. RowChecks.Always, Check.I5Traffic, Check.I7NoSilentSwitch]
                : [.. RowChecks.Always, Check.TunRestored, Check.I5Traffic, Check.I7NoSilentSwitch],
            Plane = FaultPlane.DataPlane,
            TunWindow = tunWindow ?? 5,
            TrafficResumeWindow = 10,
        },
        BothWays,
        async run =>
        {
            string ns = run.Lab.Topology.Host(2);
            string pod1 = SubnetEnv.Read(run.Lab.SubnetFile(1)).Gateway.ToString();
            await run.Lab.IpAsync(ns, "route", "add", "default", "via", Topology.SeedAddress);
            run.FaultStart(mark);
            await run.Lab.IpAsync(ns, command);
            var lookup = await CommandRunner.RunAsync("ip", ["-n", ns, "route", "get", pod1]);
            run.Note($"right after: ip route get {pod1} -> {lookup.Output.Trim()}");
            Assert.False(lookup.Output.Contains("dev eth0", StringComparison.Ordinal),
                $"{row}: h2 sent traffic for the overlay to its default route: {lookup.Output.Trim()}");
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
            string db = Topology.DbAddress;
            run.FaultStart($"seed cut from {db}");
            await run.Lab.PartitionAsync(ns, db, reject);
            await FaultRun.HoldAsync(TimeSpan.FromSeconds(30));
            await run.Lab.HealPartitionAsync(ns, db, reject);
            run.Healed("rules removed");
        },
        observeMin: TimeSpan.FromSeconds(25));
}
