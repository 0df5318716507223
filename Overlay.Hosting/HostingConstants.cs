namespace Overlay.Hosting;

/// <summary>The numbers of the hosting layer, each with its reason.</summary>
public static class HostingConstants
{
    /// <summary>How long the registry warm-up waits for each plugin's answer. Generous: it runs in
    /// the background and a slow database only makes it log a warning.</summary>
    public static readonly TimeSpan RegistryWarmUpTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Leases in the warm-up's synthetic state: enough that every code path of the decode
    /// and the rebuild runs (and the loops tier up), few enough to cost a few milliseconds.</summary>
    public const int RegistryWarmUpLeases = 64;

    /// <summary>The warm-up's synthetic network (never persisted, never sent anywhere).</summary>
    public const string RegistryWarmUpNetConf = """{"Network":"10.244.0.0/16","SubnetLen":24}""";

    /// <summary>How long one lookup of a required actor waits before it looks again (see
    /// RequiredActorLookup): short, because a lookup that missed the registration waits out its
    /// whole round; long enough that start-up, when actors register, costs a few rounds at most.</summary>
    public static readonly TimeSpan ActorLookupRound = TimeSpan.FromMilliseconds(250);

    /// <summary>First delay before the registry supervisor restarts a registry that stopped on a
    /// storage failure: long enough not to hammer a database that just refused, short enough that a
    /// PostgreSQL restart costs seconds.</summary>
    public static readonly TimeSpan RegistryRestartMinBackoff = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between restarts (and write probes) while storage stays unavailable:
    /// the registry writes again at most this long after the database is back (well inside the
    /// 60 s that the fault matrix allows).</summary>
    public static readonly TimeSpan RegistryRestartMaxBackoff = TimeSpan.FromSeconds(10);

    /// <summary>Random spread added to each backoff delay (a fraction of it), so that registries on
    /// one database do not retry in step.</summary>
    public const double RegistryRestartRandomFactor = 0.2;

    /// <summary>The persistence id of the registry supervisor's write probe: one snapshot row,
    /// replaced on every probe, that proves the storage takes writes again. Never the registry's id.</summary>
    public const string RegistryWriteProbePersistenceId = "overlay-lease-registry-write-probe";
}
