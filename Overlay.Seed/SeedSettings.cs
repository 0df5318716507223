using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Logging;
using Overlay.Hosting.Management;
using Overlay.Hosting.Metrics;
using Overlay.Hosting.Storage;

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

    bool NetConfigApply = false,
    TimeSpan? SeedNodeTimeout = null)
{
    /// <summary>The file where this seed records the members it sees (see KnownMembersFile).</summary>
    public string KnownMembersPath => Membership.KnownMembersFile.PathIn(DataDir);

    /// <summary>Every effective setting, redacted (no token, no database password): the start log
    /// line and `check-config` print exactly this. A flag's item is its bound value as its
    /// <see cref="SeedFlags"/> declaration shows it.</summary>
    public EffectiveSettings Describe() => new EffectiveSettings()
        .Add("version", BuildInfo.Version)
        .Add("cluster-address", Cluster.SelfAddress)
        .Add("cluster-bind", Cluster.BindHost)
        .Add("cluster-tls", Cluster.Tls?.Describe() ?? "off (--insecure-cluster)")
        .Add(SeedFlags.Seeds, Cluster.Seeds)
        .Add("roles", string.Join(",", Cluster.Roles))
        .Add(SeedFlags.DataDir, DataDir)
        .Add("remembered-members", RememberedMembers.Count)
        .Add("join-delay", JoinDelay)
        .Add("seed-node-timeout", SeedNodeTimeout?.ToString() ?? "default")
        .Add("network", Network.Network)
        .Add("subnet-len", Network.SubnetLen)
        .Add("subnet-range", $"{Network.SubnetMin}..{Network.SubnetMax}")
        .Add("backend", $"{Network.Backend.Type} port {Network.Backend.Port}")
        .Add("net-config", NetConfigSource)
        .Add(SeedFlags.NetConfigApply, NetConfigApply)
        .Add("storage", $"{Storage.Provider} {SeedFlags.Db.Show(Storage.ConnectionString)}")
        .Add("management", Management.Describe())
        .Add(SeedFlags.LeaseTtl, Registry.Ttl)
        .Add(SeedFlags.LeaseGrace, Registry.GracePeriod)
        .Add(SeedFlags.SnapshotEvery, Registry.SnapshotEvery)
        .Add("log", $"{Log.FormatName} at {Log.LevelName}");
}

