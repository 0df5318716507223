namespace Overlay.Node.Agent;

/// <summary>Timings of the control-plane supervisor (<see cref="ControlPlaneSupervisor"/>): how fast a
/// lost actor system is replaced, and when a cluster without a registry is given up.</summary>
public static class ControlPlaneConstants
{
    /// <summary>Wait before the first restart after an incarnation ended: long enough for the old
    /// system's remoting port to be released, short enough to rejoin promptly.</summary>
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(1);

    /// <summary>The wait doubles per restart up to this, so a node that cannot keep a member Up (a seed
    /// that keeps downing it) does not churn the cluster.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>An incarnation that stayed Up this long was healthy: the next restart waits
    /// <see cref="InitialBackoff"/> again.</summary>
    public static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(60);

    /// <summary>Default of --registry-lost-after: Up in a cluster with no member of role "registry" for
    /// this long means the seed formed a new cluster elsewhere (a restarted seed) or is gone; a fresh
    /// incarnation joins through --seeds again. Longer than a registry failover (~22s with the
    /// seed's split-brain settings) would be wasteful only when a second seed exists, and a second
    /// seed is itself a registry member, so 20s never fires during a failover.</summary>
    public static readonly TimeSpan RegistryLostAfter = TimeSpan.FromSeconds(20);

    /// <summary>How often the watcher looks at the membership for a registry member.</summary>
    public static readonly TimeSpan RegistryCheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long a started incarnation may take to register its node actor.</summary>
    public static readonly TimeSpan AgentStartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long ending an incarnation (coordinated shutdown: cluster leave) may take on SIGTERM.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    /// <summary>How often <see cref="PauseWatchdog"/> looks at the monotonic clock. Short, so that a
    /// process continued after a stop sees its pause within a fraction of a second.</summary>
    public static readonly TimeSpan PauseCheckInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>A process that did not run for this long (SIGSTOP, a paused VM) may have been downed by
    /// the cluster (akka.hocon: 3 s acceptable heartbeat pause, then the downing's 7 s stable-after),
    /// after which the registry gives its subnet away once the grace ends; with --lease-grace 0 at
    /// once. The node cannot tell from here, so it withdraws its subnet until the registry confirms
    /// it (<see cref="PauseWatchdog"/>). A shorter stall cannot have cost the lease.</summary>
    public static readonly TimeSpan PauseWithdrawAfter = TimeSpan.FromSeconds(10);

    /// <summary>Exit code when the registry granted another subnet than the one the running data path
    /// serves (see docs/operations.md): systemd restarts the process, which starts clean.</summary>
    public const int SubnetConflictExitCode = 3;
}
