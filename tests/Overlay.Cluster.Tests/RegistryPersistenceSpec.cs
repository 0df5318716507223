using Akka.Actor;
using Microsoft.Data.Sqlite;
using Overlay.Actors.Leases;
using Overlay.Cluster.Tests.Harness;
using Overlay.Hosting.Storage;
using System.Net;

namespace Overlay.Cluster.Tests;

/// <summary>The registry singleton over its SQL journal: it replies only after persisting, and a
/// restarted registry recovers every lease from its snapshot plus the events after it.</summary>
public sealed class RegistryPersistenceSpec
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    internal static async Task ConfigureAsync(IActorRef registry) =>
        await Poll.UntilAsync(async () => await registry.Ask<NetworkConfigured>(new ConfigureNetwork(Samples.Network), AskTimeout),
            TimeSpan.FromSeconds(30), "the registry to accept the network config");

    internal static AcquireLease Acquire(string node, int host) =>
        new(node, IPAddress.Parse($"192.0.2.{host}"), 8285, null, "");

    [Fact]
    public async Task The_registry_replies_only_after_the_event_is_in_the_journal()
    {
        var storage = TestStorage.NewSqlite();
        await using var member = await ClusterMember.StartAsync(storage);
        await ConfigureAsync(member.Registry);
        for (var i = 1; i <= 5; i++)
        {
            var acquired = await member.Registry.Ask<LeaseAcquired>(Acquire($"node-{i}", i), AskTimeout);
            // The reply is sent from the persist callback: the event must already be a journal row.
            Assert.True(JournalRows(storage) >= acquired.Lease.Version,
                $"reply for version {acquired.Lease.Version} arrived with only {JournalRows(storage)} journal rows");
        }
    }

    [Fact]
    public async Task A_restarted_registry_recovers_every_lease_from_snapshot_plus_later_events()
    {
        var storage = TestStorage.NewSqlite();
        LeaseSnapshot before;
        await using (var member = await ClusterMember.StartAsync(storage))
        {
            await ConfigureAsync(member.Registry);
            for (var i = 1; i <= 12; i++)
                await member.Registry.Ask<LeaseAcquired>(Acquire($"node-{i}", i), AskTimeout);
            await member.Registry.Ask<LeaseRemovalSucceeded>(new ReleaseLease("node-3", (await SnapshotOf(member)).Leases.Single(l => l.NodeName == "node-3").Subnet), AskTimeout);
            before = await SnapshotOf(member);
        }

        // 14 events with a snapshot every 5: recovery reads the snapshot at 10 and replays 11..14.
        Assert.True(SnapshotRows(storage) >= 1, "no snapshot was saved");
        Assert.Equal(14, before.Version);

        await using var restarted = await ClusterMember.StartAsync(storage);
        var after = await Poll.UntilAsync(async () => await SnapshotOf(restarted), TimeSpan.FromSeconds(30), "the recovered registry");
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Leases.OrderBy(l => l.Subnet), after.Leases.OrderBy(l => l.Subnet));
        Assert.Equal(11, after.Leases.Count);
        Assert.Equal(Samples.Network, after.Network);
    }

    [Fact]
    public async Task A_lease_whose_ttl_and_grace_run_out_before_the_same_sweep_ends_once_and_the_journal_still_recovers()
    {
        // Sweeps far apart, so that at one sweep the lease is both expired and orphaned.
        var settings = TestRegistrySettings.Fast with
        {
            Ttl = TimeSpan.FromSeconds(2), GracePeriod = TimeSpan.FromSeconds(1), SweepInterval = TimeSpan.FromSeconds(6),
        };
        var storage = TestStorage.NewSqlite();
        long version;
        await using (var registry = await ClusterMember.StartAsync(storage, settings))
        {
            await ConfigureAsync(registry.Registry);
            var holder = await ClusterMember.StartAsync(null, joinTo: registry);
            var lease = (await holder.Registry.Ask<LeaseAcquired>(
                new AcquireLease("holder", IPAddress.Parse("192.0.2.30"), 8285, null, holder.Address.ToString()), AskTimeout)).Lease;
            await holder.DisposeAsync();
            var snapshot = await Poll.UntilAsync(async () =>
                    await SnapshotOf(registry) is { } s && s.Leases.All(l => l.Subnet != lease.Subnet) ? s : null,
                TimeSpan.FromSeconds(40), "the lease to end");
            // Exactly one ending: configure (1), grant (2), end (3).
            Assert.Equal(3, snapshot.Version);
            var after = await registry.Registry.Ask<LeaseAcquired>(Acquire("next", 31), AskTimeout);
            version = after.Lease.Version;
        }

        await using var restarted = await ClusterMember.StartAsync(storage, settings);
        var recovered = await Poll.UntilAsync(async () => await SnapshotOf(restarted), TimeSpan.FromSeconds(30), "recovery");
        Assert.Equal(version, recovered.Version);
        Assert.Equal("next", Assert.Single(recovered.Leases).NodeName);
    }

    internal static Task<LeaseSnapshot> SnapshotOf(ClusterMember member) =>
        member.Registry.Ask<LeaseSnapshot>(GetLeaseSnapshot.Instance, AskTimeout);

    private static long JournalRows(StorageSettings storage) =>
        Count(storage, $"SELECT count(*) FROM journal WHERE persistence_id = '{LeaseRegistryActor.RegistryPersistenceId}'");

    private static long SnapshotRows(StorageSettings storage) =>
        Count(storage, $"SELECT count(*) FROM snapshot WHERE persistence_id = '{LeaseRegistryActor.RegistryPersistenceId}'");

    private static long Count(StorageSettings storage, string sql)
    {
        using var connection = new SqliteConnection(storage.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }
}
