using System.CommandLine;
using System.Net;
using Overlay.Actors.Configuration;
using Overlay.Hosting.Cli;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Cluster.Tls;
using Overlay.Hosting.Logging;
using Overlay.Hosting.Management;
using Overlay.Hosting.Storage;
using Overlay.Seed.Membership;

namespace Overlay.Seed;

/// <summary>overlay-seed's options: one per <see cref="SeedFlags"/> declaration, and their binding into
/// <see cref="SeedSettings"/>, with the files they name read (net-conf.json, the remembered members).</summary>
public sealed class SeedOptions
{
    private readonly ManagementTokenOption _managementToken = new();
    private readonly ClusterTlsOptions _tls = new();

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command) => Flag.AddTo(command, SeedFlags.All);

    /// <summary>Reads and validates the settings; throws <see cref="SettingsException"/> naming the bad value.</summary>
    public SeedSettings Bind(ParseResult result, Func<string, string?>? environment = null)
    {
        var flags = new FlagReader(result, environment);
        var host = flags.Read(SeedFlags.ClusterIp) ?? Dns.GetHostName();
        var cluster = new ClusterSettings(host, flags.Read(SeedFlags.ClusterPort), [], [ClusterRoles.Seed, ClusterRoles.Registry],
            ClusterSettings.ChooseBindHost(host, ClusterSettings.LocalAddresses()), _tls.Bind(flags));
        var self = cluster.SelfAddress;
        var seeds = ClusterSettings.NormalizeSeeds(flags.Read(SeedFlags.Seeds), cluster.Protocol);
        if (!seeds.Contains(self))
            seeds.Add(self);
        var dataDir = flags.Read(SeedFlags.DataDir);
        var remembered = RememberedIn(dataDir);
        // Remembered addresses in this run's protocol (a seed switched to TLS remembers akka.tcp ones).
        remembered = remembered with { Addresses = ClusterSettings.NormalizeSeeds(remembered.Addresses, cluster.Protocol) };
        cluster = cluster with { Seeds = SeedJoinPlan.SeedsFor(self, seeds, remembered.Addresses) };

        var (configPath, configSource) = flags.Raw(SeedFlags.NetConfigPath);
        var network = configPath is null ? NetworkConfigParser.Default : ReadNetworkConfig(configPath, configSource);

        var connection = flags.Read(SeedFlags.Db);
        var storage = flags.Read(SeedFlags.DbProvider) switch
        {
            StorageProvider.Postgres => new StorageSettings(StorageProvider.Postgres,
                connection ?? throw new SettingsException("--db: a connection string is required with --db-provider postgres")),
            _ => connection is not null
                ? new StorageSettings(StorageProvider.Sqlite, connection)
                : StorageSettings.SqliteIn(dataDir),
        };

        var management = _managementToken.Apply(ManagementSettings.Bind(flags), flags, environment);
        var registry = Actors.Leases.RegistrySettings.Default with
        {
            Ttl = flags.Read(SeedFlags.LeaseTtl),
            GracePeriod = flags.Read(SeedFlags.LeaseGrace),
            SnapshotEvery = flags.Read(SeedFlags.SnapshotEvery),
        };
        return new SeedSettings(cluster, network, configPath ?? "(embedded default)", storage, management, registry,
            LoggingOptions.Bind(flags), dataDir, remembered.Addresses, SeedJoinPlan.JoinDelayFor(self, remembered),
            flags.Read(SeedFlags.NetConfigApply), SeedJoinPlan.SeedNodeTimeoutFor(self, remembered));
    }

    /// <summary>The members this seed last saw, from <paramref name="dataDir"/> (created when missing).</summary>
    private static KnownMembersFile.Contents RememberedIn(string dataDir)
    {
        try
        {
            Directory.CreateDirectory(dataDir);
            return KnownMembersFile.ReadContents(KnownMembersFile.PathIn(dataDir));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"--data-dir: cannot use '{dataDir}': {ex.Message}");
        }
    }

    /// <summary>The flannel net-conf.json at <paramref name="path"/>; errors name <paramref name="source"/> or the file.</summary>
    private static NetworkConfig ReadNetworkConfig(string path, string source)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"{source}: cannot read '{path}': {ex.Message}");
        }
        try
        {
            return NetworkConfigParser.Parse(json);
        }
        catch (NetworkConfigException ex)
        {
            throw new SettingsException($"{path}: {ex.Message}");
        }
    }
}
