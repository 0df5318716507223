namespace Overlay.Bench.ControlPlane;

/// <summary>Every default and limit of the benchmark, in one place.</summary>
public static class BenchConstants
{
    /// <summary>Node members of the route-latency cluster (the target is stated for 10).</summary>
    public const int DefaultNodes = 10;

    /// <summary>Measured lease grants in the route-latency run.</summary>
    public const int DefaultRouteSamples = 200;

    /// <summary>Grants done before measuring (JIT, pub-sub gossip settling); not reported.</summary>
    public const int DefaultWarmup = 20;

    /// <summary>Leases held before the acquire-throughput run (the issue asks for 10,000).</summary>
    public const int DefaultHeld = 10_000;

    /// <summary>Acquires timed in each throughput mode.</summary>
    public const int DefaultThroughputAcquires = 2_000;

    /// <summary>Outstanding asks in the concurrent throughput mode and in bulk loading.</summary>
    public const int DefaultConcurrency = 32;

    /// <summary>Leases in the recovery run: all of 10.0.0.0/8 cut into /24s.</summary>
    public const int DefaultRecoveryLeases = 65_536;

    /// <summary>The registry's own default (RegistrySettings.Default.SnapshotEvery).</summary>
    public const int DefaultSnapshotEvery = 100;

    /// <summary>Leases the memory run loads onto a real seed.</summary>
    public const int DefaultRemoteLeases = 1_000;

    /// <summary>Upper bound for one route to reach every node; a sample beyond it is a failure.</summary>
    public static readonly TimeSpan RouteDeadline = TimeSpan.FromSeconds(40);

    /// <summary>Upper bound for one ask to the registry.</summary>
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Upper bound for a cluster (join, singleton, first lease) to form.</summary>
    public static readonly TimeSpan FormTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The lab's small network for the route-latency run.</summary>
    public const string LabNetConf = """{"Network":"10.244.0.0/16","SubnetLen":24,"Backend":{"Type":"udp"}}""";

    /// <summary>The recovery network: a /8 cut into /24s. SubnetMin is set to the first subnet so
    /// that all 65,536 /24s are leasable (flannel's default would skip 10.0.0.0/24).</summary>
    public const string WideNetConf =
        """{"Network":"10.0.0.0/8","SubnetLen":24,"SubnetMin":"10.0.0.0","Backend":{"Type":"udp"}}""";

    /// <summary>Simulated nodes of the scale bench (5,000 is the target size; run 1,000 first).</summary>
    public const int DefaultScaleNodes = 1_000;

    /// <summary>Member processes the scale bench starts for its simulated nodes (besides the seed).</summary>
    public const int DefaultScaleProcesses = 4;

    /// <summary>Measured grants of the scale bench's grant-to-route row (after 5 warm-up grants).</summary>
    public const int DefaultScaleGrants = 50;

    /// <summary>Warm-up grants of the scale bench, not reported.</summary>
    public const int ScaleWarmup = 5;

    /// <summary>Simulated nodes the scale bench restarts at once (200).</summary>
    public const int DefaultScaleRestarts = 200;

    /// <summary>Idle window over which seed and member CPU and bytes are measured.</summary>
    public static readonly TimeSpan ScaleIdleWindow = TimeSpan.FromSeconds(10);

    /// <summary>Pause between convergence and the idle window (the subscribers' settle probes run 3 s
    /// after their first view; the first 1,000-node run measured start-up traffic as "idle" without it).</summary>
    public static readonly TimeSpan ScaleSettle = TimeSpan.FromSeconds(15);

    /// <summary>Upper bound for one scale-bench step (all nodes up, converged, restarted).</summary>
    public static readonly TimeSpan ScaleStepDeadline = TimeSpan.FromMinutes(8);

    /// <summary>A simulated node's acquire retry interval (overlay-node's default).</summary>
    public static readonly TimeSpan ScaleRetryInterval = TimeSpan.FromSeconds(2);

    /// <summary>A simulated node's version-probe interval (overlay-node's default).</summary>
    public static readonly TimeSpan ScaleResyncInterval = TimeSpan.FromSeconds(30);

    /// <summary>Cluster sizes the membership bench measures by default.</summary>
    public const string DefaultMembershipSizes = "10,25,50,100";

    /// <summary>Member processes the membership bench spreads its actor systems over.</summary>
    public const int DefaultMembershipProcesses = 4;

    /// <summary>Acquires in flight per member process while its subscriber-only nodes start. Each one
    /// is retried (a re-sent acquire is persisted again) until the step deadline: in the first
    /// 5,000-node run an acquire waited over 60 s behind the registry's piece transfers.</summary>
    public const int ScaleAcquireConcurrency = 8;

    /// <summary>Simulated nodes a scale member process starts at a time (each batch leased before the
    /// next): every grant makes every running node reconcile its whole view, so an unpaced start of
    /// N nodes is a burst of N^2 reconciles on this machine's cores.</summary>
    public const int ScaleStartBatch = 50;

    /// <summary>
    /// The scale bench's only change to the overlay's cluster configuration: a failure-detector pause
    /// of 30 s instead of 3 s. The bench packs the control-plane work of N hosts onto this machine's
    /// two cores (shared with other builds), so heartbeats of its few member processes wait behind
    /// minutes of CPU that real hosts would each spend on their own core; with 3 s the split-brain
    /// resolver downed the whole bench cluster during the start of 1,000 nodes at load average 25.
    /// </summary>
    public const string ScaleHocon = "akka.cluster.failure-detector.acceptable-heartbeat-pause = 30s";
}
