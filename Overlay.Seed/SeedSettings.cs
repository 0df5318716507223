using System.CommandLine;
using System.Net;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Hosting.Cli;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Cluster.Tls;
using Overlay.Hosting.Logging;
using Overlay.Hosting.Management;
using Overlay.Hosting.Metrics;
using Overlay.Hosting.Storage;
using Overlay.Seed.Membership;

namespace Overlay.Seed;

/// <summary>Everything overlay-seed runs with, after flags, environment and files were read and
/// validated. Built only by <see cref="SeedOptions.Bind"/>.</summary>
public sealed record SeedSettings(
    ClusterSettings Cluster,
    NetworkConfig Network,
    string NetConfigSource,
    StorageSettings Storage,
    ManagementSettings Management,
    RegistrySettings Registry,
    LogSettings Log,
    string DataDir,
    IReadOnlyList<string> RememberedMembers,
    TimeSpan JoinDelay,

    bool NetConfigApply = false)
{
    /// <summary>The file where this seed records the members it sees (see KnownMembersFile).</summary>
    public string KnownMembersPath => Membership.KnownMembersFile.PathIn(DataDir);

    /// <summary>Every effective setting, redacted (no token, no database password): the start log
    /// line and `check-config` print exactly this.</summary>
    public EffectiveSettings Describe() => new EffectiveSettings()
        .Add("version", BuildInfo.Version)
        .Add("cluster-address", Cluster.SelfAddress)
        .Add("cluster-bind", Cluster.BindHost)
        .Add("cluster-tls", Cluster.Tls?.Describe() ?? "off (--insecure-cluster)")
        .Add("seeds", string.Join(",", Cluster.Seeds))
        .Add("roles", string.Join(",", Cluster.Roles))
        .Add("data-dir", DataDir)
        .Add("remembered-members", RememberedMembers.Count)
        .Add("join-delay", JoinDelay)
        .Add("network", Network.Network)
        .Add("subnet-len", Network.SubnetLen)
        .Add("subnet-range", $"{Network.SubnetMin}..{Network.SubnetMax}")
        .Add("backend", $"{Network.Backend.Type} port {Network.Backend.Port}")
        .Add("net-config", NetConfigSource)
        .Add("net-config-apply", NetConfigApply)
        .Add("storage", $"{Storage.Provider} {Storage.Redacted}")
        .Add("management", Management.Describe())
        .Add("lease-ttl", Registry.Ttl)
        .Add("lease-grace", Registry.GracePeriod)
        .Add("snapshot-every", Registry.SnapshotEvery)
        .Add("log", $"{Log.FormatName} at {Log.LevelName}");
}

/// <summary>overlay-seed's flags. Each has an environment mirror (OVERLAY_*), and the cluster
/// flags also take Lighthouse's variables (CLUSTER_IP, CLUSTER_PORT, CLUSTER_SEEDS).</summary>
public sealed class SeedOptions
{
    /// <summary>Default remoting port of a seed (Lighthouse's).</summary>
    public const int DefaultClusterPort = 4053;

    /// <summary>Default of --data-dir.</summary>
    public const string DefaultDataDir = "./data";

    /// <summary>--cluster-ip.</summary>
    public FlagOption ClusterIp { get; } = new("--cluster-ip", "Address or host name this seed advertises to the cluster",
        ["CLUSTER_IP", "OVERLAY_CLUSTER_IP"], "host name");
    /// <summary>--cluster-port.</summary>
    public FlagOption ClusterPort { get; } = new("--cluster-port", "Remoting port", ["CLUSTER_PORT", "OVERLAY_CLUSTER_PORT"],
        DefaultClusterPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
    /// <summary>--seeds.</summary>
    public FlagOption Seeds { get; } = new("--seeds",
        "Comma-separated seed addresses akka.ssl.tcp://overlay@host:port (akka.tcp:// is the same; the TLS setting picks the protocol); this seed adds itself when missing",
        ["CLUSTER_SEEDS", "OVERLAY_SEEDS"], "this seed");
    /// <summary>--net-config-path.</summary>
    public FlagOption NetConfigPath { get; } = new("--net-config-path", "flannel net-conf.json", ["OVERLAY_NET_CONFIG_PATH"],
        "embedded 10.244.0.0/16, SubnetLen 24, udp 8285");
    /// <summary>--net-config-apply.</summary>
    public FlagOption NetConfigApply { get; } = new("--net-config-apply",
        "Make this seed's net-conf.json the registry's even when the journal holds a different one, ending the leases it no longer admits; "
        + "without it the journal's config wins and a difference is only reported: true or false",
        ["OVERLAY_NET_CONFIG_APPLY"], "false")
    {
        Arity = ArgumentArity.ZeroOrOne,
    };
    /// <summary>--data-dir.</summary>
    public FlagOption DataDir { get; } = new("--data-dir",
        "Directory of the SQLite registry database and of the list of cluster members this seed last saw",
        ["OVERLAY_DATA_DIR"], $"{DefaultDataDir} (the unit sets /var/lib/overlay-seed)");
    /// <summary>--db-provider.</summary>
    public FlagOption DbProvider { get; } = new("--db-provider", "Registry storage: sqlite or postgres", ["OVERLAY_DB_PROVIDER"], "sqlite");
    /// <summary>--db.</summary>
    public FlagOption Db { get; } = new("--db", "Connection string (required for postgres; overrides --data-dir for sqlite)",
        ["OVERLAY_DB"], "none");
    /// <summary>--management-host.</summary>
    public FlagOption ManagementHost { get; } = ManagementSettings.HostFlag();
    /// <summary>--management-port.</summary>
    public FlagOption ManagementPort { get; } = ManagementSettings.PortFlag();
    /// <summary>--lease-ttl.</summary>
    public FlagOption LeaseTtl { get; } = new("--lease-ttl", "Lease lifetime without renewal", ["OVERLAY_LEASE_TTL"],
        EffectiveSettings.FormatDuration(RegistrySettings.Default.Ttl));
    /// <summary>--lease-grace.</summary>
    public FlagOption LeaseGrace { get; } = new("--lease-grace", "How long a node the cluster removed keeps its lease",
        ["OVERLAY_LEASE_GRACE"], EffectiveSettings.FormatDuration(RegistrySettings.Default.GracePeriod));
    /// <summary>--snapshot-every.</summary>
    public FlagOption SnapshotEvery { get; } = new("--snapshot-every", "Registry snapshot after this many events",
        ["OVERLAY_SNAPSHOT_EVERY"], RegistrySettings.Default.SnapshotEvery.ToString(System.Globalization.CultureInfo.InvariantCulture));
    /// <summary>--management-token-file.</summary>
    public ManagementTokenOption ManagementToken { get; } = new();
    /// <summary>--tls-cert, --tls-key, --tls-ca and --insecure-cluster.</summary>
    public ClusterTlsOptions Tls { get; } = new();
    /// <summary>--log-format and --log-level.</summary>
    public LoggingOptions Logging { get; } = new();

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new[] { ClusterIp, ClusterPort, Seeds, NetConfigPath, NetConfigApply, DataDir, DbProvider, Db,
                     ManagementHost, ManagementPort, LeaseTtl, LeaseGrace, SnapshotEvery })
            command.Options.Add(option);
        ManagementToken.AddTo(command);
        Tls.AddTo(command);
        Logging.AddTo(command);
    }

    /// <summary>Reads and validates the settings; throws <see cref="SettingsException"/> naming the bad value.</summary>
    public SeedSettings Bind(ParseResult result, Func<string, string?>? environment = null)
    {
        var flags = new FlagReader(result, environment);
        var host = flags.String(ClusterIp, Dns.GetHostName());
        var port = flags.Port(ClusterPort, DefaultClusterPort, allowZero: true);
        var tls = Tls.Bind(result, flags);
        var cluster = new ClusterSettings(host, port, [], [ClusterRoles.Seed, ClusterRoles.Registry],
            ClusterSettings.ChooseBindHost(host, ClusterSettings.LocalAddresses()), tls);
        var self = cluster.SelfAddress;
        var seeds = ClusterSettings.NormalizeSeeds(flags.SeedAddresses(Seeds), cluster.Protocol);
        if (!seeds.Contains(self))
            seeds.Add(self);
        var dataDir = flags.String(DataDir, DefaultDataDir);
        KnownMembersFile.Contents remembered;
        try
        {
            Directory.CreateDirectory(dataDir);
            remembered = KnownMembersFile.ReadContents(KnownMembersFile.PathIn(dataDir));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"--data-dir: cannot use '{dataDir}': {ex.Message}");
        }
        // Remembered addresses in this run's protocol (a seed switched to TLS remembers akka.tcp ones).
        remembered = remembered with { Addresses = ClusterSettings.NormalizeSeeds(remembered.Addresses, cluster.Protocol) };
        cluster = cluster with { Seeds = SeedJoinPlan.SeedsFor(self, seeds, remembered.Addresses) };

        var (configPath, configSource) = flags.Raw(NetConfigPath);
        NetworkConfig network;
        if (configPath is null)
            network = NetworkConfigParser.Default;
        else
        {
            string json;
            try
            {
                json = File.ReadAllText(configPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new SettingsException($"{configSource}: cannot read '{configPath}': {ex.Message}");
            }
            try
            {
                network = NetworkConfigParser.Parse(json);
            }
            catch (NetworkConfigException ex)
            {
                throw new SettingsException($"{configPath}: {ex.Message}");
            }
        }

        var apply = result.GetResult(NetConfigApply) is { Implicit: false } given && given.Tokens.Count == 0
                    || flags.Choice(NetConfigApply, "false", ["true", "false", "on", "off", "1", "0"])
                        is "true" or "on" or "1";

        var provider = flags.Choice(DbProvider, "sqlite", ["sqlite", "postgres"]);
        var connection = flags.OptionalString(Db);
        StorageSettings storage = provider switch
        {
            "postgres" => new StorageSettings(StorageProvider.Postgres,
                connection ?? throw new SettingsException("--db: a connection string is required with --db-provider postgres")),
            _ => connection is not null
                ? new StorageSettings(StorageProvider.Sqlite, connection)
                : StorageSettings.SqliteIn(dataDir),
        };

        var management = ManagementSettings.Bind(flags, ManagementHost, ManagementPort);
        management = ManagementToken.Apply(management, flags, environment);

        var defaults = RegistrySettings.Default;
        var (snapshotText, snapshotSource) = flags.Raw(SnapshotEvery);
        var snapshotEvery = defaults.SnapshotEvery;
        if (snapshotText is not null && (!int.TryParse(snapshotText, out snapshotEvery) || snapshotEvery < 1))
            throw new SettingsException($"{snapshotSource}: not a positive whole number: '{snapshotText}'");
        var registry = defaults with
        {
            Ttl = flags.Duration(LeaseTtl, defaults.Ttl),
            GracePeriod = flags.Duration(LeaseGrace, defaults.GracePeriod),
            SnapshotEvery = snapshotEvery,
        };
        return new SeedSettings(cluster, network, configPath ?? "(embedded default)", storage, management, registry,
            Logging.Bind(flags), dataDir, remembered.Addresses, SeedJoinPlan.JoinDelayFor(self, remembered), apply);
    }
}
