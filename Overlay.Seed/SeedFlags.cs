using Overlay.Actors.Leases;
using Overlay.Hosting.Cli;
using Overlay.Hosting.Cluster.Tls;
using Overlay.Hosting.Logging;
using Overlay.Hosting.Management;
using Overlay.Hosting.Storage;

namespace Overlay.Seed;

/// <summary>
/// overlay-seed's flags, each declared once. Each has an environment mirror (OVERLAY_*), and the
/// cluster flags also take Lighthouse's variables (CLUSTER_IP, CLUSTER_PORT, CLUSTER_SEEDS).
/// <see cref="SeedOptions"/> makes the options from <see cref="All"/> and binds them,
/// <see cref="SeedSettings.Describe"/> shows them, and the documentation test checks
/// docs/configuration.md and the systemd env file against them.
/// </summary>
public static class SeedFlags
{
    /// <summary>Default remoting port of a seed (Lighthouse's).</summary>
    public const int DefaultClusterPort = 4053;

    /// <summary>Default of --data-dir.</summary>
    public const string DefaultDataDir = "./data";

    private static readonly FlagChoice<StorageProvider> Providers = new(("sqlite", StorageProvider.Sqlite), ("postgres", StorageProvider.Postgres));

    /// <summary>--cluster-ip: null is the host name.</summary>
    public static readonly Flag<string?> ClusterIp = new("--cluster-ip", "Address or host name this seed advertises to the cluster",
        ["CLUSTER_IP", "OVERLAY_CLUSTER_IP"], null, FlagParsers.Text, "host name");

    /// <summary>--cluster-port.</summary>
    public static readonly Flag<int> ClusterPort = new("--cluster-port", "Remoting port", ["CLUSTER_PORT", "OVERLAY_CLUSTER_PORT"],
        DefaultClusterPort, FlagParsers.Port(allowZero: true));

    /// <summary>--seeds.</summary>
    public static readonly Flag<IReadOnlyList<string>> Seeds = new("--seeds",
        "Comma-separated seed addresses akka.ssl.tcp://overlay@host:port (akka.tcp:// is the same; the TLS setting picks the protocol); this seed adds itself when missing",
        ["CLUSTER_SEEDS", "OVERLAY_SEEDS"], [], FlagParsers.SeedAddresses, "this seed", show: seeds => string.Join(",", seeds));

    /// <summary>--net-config-path: null is the embedded default.</summary>
    public static readonly Flag<string?> NetConfigPath = new("--net-config-path", "flannel net-conf.json", ["OVERLAY_NET_CONFIG_PATH"],
        null, FlagParsers.Text, "embedded 10.244.0.0/16, SubnetLen 24, udp 8285");

    /// <summary>--net-config-apply ("--net-config-apply" alone means true).</summary>
    public static readonly Flag<bool> NetConfigApply = new("--net-config-apply",
        "Make this seed's net-conf.json the registry's even when the journal holds a different one, ending the leases it no longer admits; "
        + "without it the journal's config wins and a difference is only reported: true or false",
        ["OVERLAY_NET_CONFIG_APPLY"], false, FlagParsers.Boolean, "false", isSwitch: true);

    /// <summary>--data-dir.</summary>
    public static readonly Flag<string> DataDir = new("--data-dir",
        "Directory of the SQLite registry database and of the list of cluster members this seed last saw",
        ["OVERLAY_DATA_DIR"], DefaultDataDir, FlagParsers.Text, $"{DefaultDataDir} (the unit sets /var/lib/overlay-seed)");

    /// <summary>--db-provider.</summary>
    public static readonly Flag<StorageProvider> DbProvider = new("--db-provider", "Registry storage: sqlite or postgres", ["OVERLAY_DB_PROVIDER"],
        StorageProvider.Sqlite, Providers.Parse, show: Providers.Show);

    /// <summary>--db: null is the SQLite file under --data-dir. Shown with any password masked.</summary>
    public static readonly Flag<string?> Db = new("--db", "Connection string (required for postgres; overrides --data-dir for sqlite)",
        ["OVERLAY_DB"], null, FlagParsers.Text, "none", show: db => db is null ? "none" : StorageSettings.Redact(db));

    /// <summary>--lease-ttl.</summary>
    public static readonly Flag<TimeSpan> LeaseTtl = new("--lease-ttl", "Lease lifetime without renewal", ["OVERLAY_LEASE_TTL"],
        RegistrySettings.Default.Ttl, FlagParsers.Duration);

    /// <summary>--lease-grace.</summary>
    public static readonly Flag<TimeSpan> LeaseGrace = new("--lease-grace", "How long a node the cluster removed keeps its lease",
        ["OVERLAY_LEASE_GRACE"], RegistrySettings.Default.GracePeriod, FlagParsers.Duration);

    /// <summary>--snapshot-every.</summary>
    public static readonly Flag<int> SnapshotEvery = new("--snapshot-every", "Registry snapshot after this many events",
        ["OVERLAY_SNAPSHOT_EVERY"], RegistrySettings.Default.SnapshotEvery, FlagParsers.PositiveInteger);

    /// <summary>Every flag of overlay-seed in help order, the shared ones (token, TLS, logging) last.</summary>
    public static readonly IReadOnlyList<Flag> All =
    [
        ClusterIp, ClusterPort, Seeds, NetConfigPath, NetConfigApply, DataDir, DbProvider, Db,
        ManagementSettings.HostFlag, ManagementSettings.PortFlag, LeaseTtl, LeaseGrace, SnapshotEvery,
        ManagementTokenOption.TokenFile, .. ClusterTlsOptions.All, .. LoggingOptions.All,
    ];
}
