namespace Overlay.Seed;

/// <summary>The numbers of overlay-seed, each with its reason.</summary>
public static class SeedConstants
{
    /// <summary>The file in the data directory that lists the cluster members this seed last saw.</summary>
    public const string KnownMembersFileName = "cluster-members.txt";

    /// <summary>How many remembered members a restarted seed asks to vouch for it. The join process
    /// sends each one an InitJoin every second until one answers; a few dozen are plenty to find a
    /// live member of the old cluster and keep that traffic small in a large cluster. Members with the
    /// registry role come first, then the oldest.</summary>
    public const int MaxKnownMembers = 32;

    /// <summary>
    /// How long a seed that remembers members but did not leave its cluster gracefully (it crashed
    /// or was killed) waits after start before it asks them to let it in. The members must first
    /// see the previous incarnation unreachable (~3-5 s), down it (split-brain resolver
    /// stable-after, 7 s) and remove it; a new incarnation that connects while their remoting still
    /// tears down the old association (Akka.NET 1.5 classic remoting) often loses its replies: in
    /// the loopback test about half the immediate restarts lost the InitJoinAck or the heartbeats
    /// and ended downed or alone, while every restart that came after the removal joined cleanly.
    /// 15 s after start plus a service manager's restart delay covers that with margin.
    /// </summary>
    public static readonly TimeSpan RejoinDelayAfterCrash = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Akka's seed-node-timeout for a seed its cluster downed (instead of the 5 s default): how long it
    /// keeps asking the members it remembers (InitJoin every second) before it forms a new cluster of its
    /// own. A seed downed in a partition is restarted by its supervisor while the partition may still
    /// last; with 5 s it formed an island some 40 s after the cut, which nothing merges back, and whose
    /// registry would share a PostgreSQL journal with the real one. Five minutes outlasts the partitions
    /// operators ride out; a seed downed when the whole cluster went away forms a new one that much later.
    /// </summary>
    public static readonly TimeSpan SeedNodeTimeoutAfterDowned = TimeSpan.FromMinutes(5);
}
