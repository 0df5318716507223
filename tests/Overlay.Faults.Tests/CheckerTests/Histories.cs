using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Actors.Serialization;
using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.CheckerTests;

/// <summary>
/// Hand-made histories for the checker's tests: a healthy one (a seed, nodes h1 and h2 holding
/// 10.244.1.0/24 and 10.244.2.0/24, a tick per second for 40 s, the fault at 10 s, healed at 15 s,
/// every probe answered, a three-event journal) and small edits that break one invariant each.
/// </summary>
internal static class Histories
{
    public const double FaultAt = 10;
    public const double HealAt = 15;
    public const int TickCount = 40;
    public const string SeedAddress = "akka.tcp://overlay@192.0.2.10:4053";
    public const string H1 = "akka.tcp://overlay@192.0.2.11:4054";
    public const string H2 = "akka.tcp://overlay@192.0.2.12:4054";
    public const string Subnet1 = "10.244.1.0/24";
    public const string Subnet2 = "10.244.2.0/24";

    private static readonly OverlaySerializer Serializer = new(null!);

    public static readonly NetworkConfig Network = new(
        Ipv4Subnet.Parse("10.244.0.0/16"), 24, Ipv4Subnet.Parse("10.244.1.0/24"), Ipv4Subnet.Parse("10.244.255.0/24"), new BackendConfig("udp", 8285));

    /// <summary>The healthy history, checking <paramref name="checks"/>.</summary>
    public static FaultHistory Healthy(params Check[] checks)
    {
        var processes = new List<ProcessSample>();
        var hosts = new List<HostSample>();
        var members = new List<MemberView> { new(SeedAddress, "Up", true), new(H1, "Up", true), new(H2, "Up", true) };
        var leases = new LeaseTable(3, [new LeaseRow(Subnet1, "n1", "192.0.2.11", 2), new LeaseRow(Subnet2, "n2", "192.0.2.12", 3)]);
        for (int tick = 1; tick <= TickCount; tick++)
        {
            double t = tick;
            processes.Add(new ProcessSample { Tick = tick, T = t, Process = "seed", Running = true, Wanted = true, Ready = true, SelfAddress = SeedAddress, Members = members, Leases = leases });
            processes.Add(new ProcessSample { Tick = tick, T = t, Process = "h1", Running = true, Wanted = true, Ready = true, SelfAddress = H1, Members = members, LeaseSubnet = Subnet1, Routes = [new RouteView(Subnet2, "192.0.2.12:8285")] });
            processes.Add(new ProcessSample { Tick = tick, T = t, Process = "h2", Running = true, Wanted = true, Ready = true, SelfAddress = H2, Members = members, LeaseSubnet = Subnet2, Routes = [new RouteView(Subnet1, "192.0.2.11:8285")] });
            hosts.Add(new HostSample(tick, t, "h1", true, "10.244.1.0/32", "10.244.1.1/24"));
            hosts.Add(new HostSample(tick, t, "h2", true, "10.244.2.0/32", "10.244.2.1/24"));
        }

        var probes = Enumerable.Range(1, (TickCount - 1) * 10)
            .SelectMany(seq => new[] { new ProbeSample(1 + (seq * 0.1), "p1", "p2", seq, true), new ProbeSample(1 + (seq * 0.1), "p2", "p1", seq, true) })
            .ToList();
        return new FaultHistory
        {
            Row = "T1",
            Fault = "hand-made",
            StartedAt = DateTimeOffset.UnixEpoch,
            Expect = new RowExpectations { Checks = checks },
            Settings = new HistorySettings(24, 60, 10),
            Roster = [new ProcessInfo("seed", ProcessKind.Seed, null, null), new ProcessInfo("h1", ProcessKind.Node, "h1", "n1"), new ProcessInfo("h2", ProcessKind.Node, "h2", "n2")],
            Marks = [new HistoryMark(FaultAt, MarkKind.FaultStart, "fault"), new HistoryMark(HealAt, MarkKind.Heal, "heal")],
            Processes = processes,
            Hosts = hosts,
            Probes = probes,
            Events = [],
            Journal = Journal(
                (new NetworkConfigured(Network, 1), 0.5),
                (new LeaseGranted(Lease(Subnet1, "n1", 2, H1)), 0.6),
                (new LeaseGranted(Lease(Subnet2, "n2", 3, H2)), 0.7)),
        };
    }

    public static Lease Lease(string subnet, string node, long version, string member) =>
        new(Ipv4Subnet.Parse(subnet), node, IPAddress.Parse(node == "n1" ? "192.0.2.11" : "192.0.2.12"), 8285, DateTimeOffset.UnixEpoch.AddHours(1), version, member);

    /// <summary>Journal rows for <paramref name="events"/>, numbered from 1, written at the given times.</summary>
    public static IReadOnlyList<JournalRecord> Journal(params (ILeaseEvent Event, double T)[] events) =>
        events.Select((e, i) => new JournalRecord(i + 1, Serializer.Manifest(e.Event), Convert.ToBase64String(Serializer.ToBinary(e.Event)), e.T)).ToList();

    /// <summary>The journal with <paramref name="more"/> appended (numbered on).</summary>
    public static FaultHistory Append(this FaultHistory history, params (ILeaseEvent Event, double T)[] more)
    {
        var extra = Journal(more).Select(r => r with { SequenceNr = r.SequenceNr + history.Journal!.Count });
        return history with { Journal = [.. history.Journal!, .. extra] };
    }

    /// <summary>Edits the process samples of <paramref name="process"/> from time <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static FaultHistory EditProcess(this FaultHistory history, string process, double from, double to, Func<ProcessSample, ProcessSample> edit) =>
        history with { Processes = history.Processes.Select(p => p.Process == process && p.T >= from && p.T <= to ? edit(p) : p).ToList() };

    /// <summary>Edits the host samples of <paramref name="host"/> in a time range.</summary>
    public static FaultHistory EditHost(this FaultHistory history, string host, double from, double to, Func<HostSample, HostSample> edit) =>
        history with { Hosts = history.Hosts.Select(h => h.Host == host && h.T >= from && h.T <= to ? edit(h) : h).ToList() };

    /// <summary>Marks probes lost in a time range (one direction or both).</summary>
    public static FaultHistory LoseProbes(this FaultHistory history, double from, double to, string? fromPod = null) =>
        history with { Probes = history.Probes.Select(p => p.T >= from && p.T < to && (fromPod is null || p.From == fromPod) ? p with { Answered = false } : p).ToList() };

    /// <summary>Adds process events.</summary>
    public static FaultHistory WithEvents(this FaultHistory history, params ProcessEvent[] events) =>
        history with { Events = [.. history.Events, .. events] };

    /// <summary>Changes what the row expects.</summary>
    public static FaultHistory Expecting(this FaultHistory history, Func<RowExpectations, RowExpectations> edit) =>
        history with { Expect = edit(history.Expect) };
}
