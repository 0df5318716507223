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

    /// <summary>Exit code when the registry granted another subnet than the one the running data path
    /// serves (see docs/operations.md): systemd restarts the process, which starts clean.</summary>
    public const int SubnetConflictExitCode = 3;
}
