namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>The numbers of the end-to-end lab and the bounds of every wait, each with its reason.</summary>
internal static class EndToEndConstants
{
    /// <summary>Hosts in the lab: three, so that one can stop while two still exchange routes.</summary>
    public const int HostCount = 3;

    /// <summary>First three octets of the underlay (RFC 5737 TEST-NET-1, routed nowhere); set by lab/topology.sh.</summary>
    public const string UnderlayPrefix = "192.0.2.";

    /// <summary>Last octet of the seed's underlay address; host N is at 10 + N (lab/topology.sh).</summary>
    public const int SeedOctet = 10;

    /// <summary>The attacker namespace's underlay address (lab/topology.sh attacker).</summary>
    public const string AttackerAddress = "192.0.2.99";

    /// <summary>The seed's Akka remoting port (overlay-seed default).</summary>
    public const int SeedClusterPort = 4053;

    /// <summary>The overlay UDP port: the default net-conf's Backend.Port (flannel's udp default), which the nodes follow.</summary>
    public const int OverlayUdpPort = 8285;

    /// <summary>Management HTTP port of both processes, on 127.0.0.1 inside each namespace.</summary>
    public const int ManagementPort = 8558;

    /// <summary>The overlay network (the seed's embedded default net-conf.json).</summary>
    public const string OverlayNetwork = "10.244.0.0/16";

    /// <summary>An address in the overlay network whose /24 no lab node can hold (three nodes
    /// take low subnets), so the node must answer with ICMP net unreachable.</summary>
    public const string UnleasedOverlayAddress = "10.244.200.1";

    /// <summary>The TUN device's name (overlay-node default).</summary>
    public const string TunName = "overlay0";

    /// <summary>The host namespace's underlay interface (lab/topology.sh).</summary>
    public const string UnderlayInterface = "eth0";

    /// <summary>Lease grace the seed is started with: short, so a stopped node's subnet is
    /// reclaimed (and its route removed) within a test's patience rather than after 5 minutes.</summary>
    public const string LeaseGrace = "30s";

    /// <summary><see cref="LeaseGrace"/> as a span, for deadlines.</summary>
    public static readonly TimeSpan LeaseGraceSpan = TimeSpan.FromSeconds(30);

    /// <summary>Bytes moved by the TCP transfer test: 100 MiB, enough for a transfer that spans many windows and GSO batches.</summary>
    public const long TransferBytes = 100L * 1024 * 1024;

    /// <summary>Bytes of the TCP flow that runs while host 1 is fuzzed.</summary>
    public const long FlowUnderFuzzBytes = 20L * 1024 * 1024;

    /// <summary>Datagrams sent by the fuzz test and its rate: 100 000 at 5 000/s, about 20 s.</summary>
    public const int FuzzCount = 100_000;

    /// <summary>See <see cref="FuzzCount"/>.</summary>
    public const int FuzzRatePerSecond = 5_000;

    /// <summary>Upper bound of the fuzz run.</summary>
    public const int FuzzMaxSeconds = 60;

    /// <summary>Outer IPv4 total length of a default ping: 20 (IP) + 8 (UDP) + 84 (inner packet).</summary>
    public const int DefaultPingOuterLength = 112;

    /// <summary>Inner IPv4 total length of a default ping: 20 (IP) + 8 (ICMP) + 56 (data).</summary>
    public const int DefaultPingInnerLength = 84;

    /// <summary>Bound of a short command (ip, curl, ping -c1, topology.sh).</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    /// <summary>From start until the seed answers /health/ready 200 (JIT, SQLite, singleton).</summary>
    public static readonly TimeSpan SeedReadyTimeout = TimeSpan.FromSeconds(120);

    /// <summary>From start until a node answers /health/ready 200 (join, lease, TUN).</summary>
    public static readonly TimeSpan NodeReadyTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Until every node's /routes lists every other node's subnet.</summary>
    public static readonly TimeSpan RoutesConvergeTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Until a stopped node's route is gone elsewhere: at most the lease grace plus a
    /// resync and a margin.</summary>
    public static readonly TimeSpan RouteRemovalTimeout = LeaseGraceSpan + TimeSpan.FromSeconds(90);

    /// <summary>Until a node or seed exits after SIGTERM (graceful leave and shutdown).</summary>
    public static readonly TimeSpan ProcessStopTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Until overlay traffic flows across two pods after a change (ARP, route install).</summary>
    public static readonly TimeSpan TrafficTimeout = TimeSpan.FromSeconds(30);

    /// <summary>From the start of a node the registry must refuse (F27, F28) until it has printed
    /// <see cref="RefusalsObserved"/> refusals: start, join, then one retry every 2 s.</summary>
    public static readonly TimeSpan RefusalTimeout = TimeSpan.FromSeconds(120);

    /// <summary>How many refused acquires a refused node must print before the journal is checked
    /// for quiet (F28): enough retries that a per-retry event would show.</summary>
    public const int RefusalsObserved = 3;

    /// <summary>Pings p1 sends to p2 while an impostor is refused, and how many may be lost.</summary>
    public const int ProbePings = 20;

    /// <summary>See <see cref="ProbePings"/>: at most 1 lost (a loaded CI machine), as in the fault matrix's I5.</summary>
    public const int ProbePingsLostAtMost = 1;

    /// <summary>How soon ping must end on an ICMP net unreachable: "at once", well below the 5 s
    /// it would wait for a silently dropped echo (ping -W 5).</summary>
    public static readonly TimeSpan UnreachableAnswerBound = TimeSpan.FromSeconds(2.5);

    /// <summary>Bound of the 100 MiB transfer: ~8 Mbit/s at worst.</summary>
    public static readonly TimeSpan TransferTimeout = TimeSpan.FromSeconds(120);
}
