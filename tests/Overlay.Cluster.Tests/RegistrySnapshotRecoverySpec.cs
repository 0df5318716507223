using Akka.Actor;
using Microsoft.Data.Sqlite;
using Overlay.Actors.Leases;
using Overlay.Cluster.Tests.Harness;
using Overlay.Hosting.Storage;
using static Overlay.Cluster.Tests.RegistryPersistenceSpec;

namespace Overlay.Cluster.Tests;

/// <summary>Snapshots are optional (fault F18): a snapshot row that does not load makes the registry
/// replay the whole journal (Akka.Persistence 1.5.73 fails the recovery on LoadSnapshotFailed and
/// stops the actor; the registry supervisor restarts it without snapshots), and saving a snapshot
/// keeps the previous ones.</summary>
public sealed class RegistrySnapshotRecoverySpec
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_corrupt_latest_snapshot_is_replaced_by_a_full_journal_replay_with_the_same_leases()
    {
        var storage = TestStorage.NewSqlite();
        LeaseSnapshot before;
        await using (var member = await ClusterMember.StartAsync(storage))
        {
            await ConfigureAsync(member.Registry);
            for (var i = 1; i <= 11; i++)
                await member.Registry.Ask<LeaseAcquired>(Acquire($"node-{i}", i), AskTimeout);
            before = await SnapshotOf(member);
        }
        var corrupted = Execute(storage, "UPDATE snapshot SET snapshot = x'00ff00ff' WHERE persistence_id = $id AND " +
                                         "sequence_number = (SELECT max(sequence_number) FROM snapshot WHERE persistence_id = $id)");
        Assert.Equal(1, corrupted);

        await using (var restarted = await ClusterMember.StartAsync(storage))
        {
            var after = await Poll.UntilAsync(async () => await SnapshotOf(restarted), TimeSpan.FromSeconds(45), "the registry to recover by replay");
            Assert.Equal(before.Version, after.Version);
            Assert.Equal(before.Leases.OrderBy(l => l.Subnet), after.Leases.OrderBy(l => l.Subnet));
            // The full replay saved a good snapshot at the current version, above the corrupt one.
            await Poll.UntilTrueAsync(() => MaxSnapshotSequence(storage) == before.Version, TimeSpan.FromSeconds(30),
                "a fresh snapshot at the recovered version");
        }

        // The next start loads that fresh snapshot (no failure) and grants on top of it.
        await using var again = await ClusterMember.StartAsync(storage);
        var next = await Poll.UntilAsync(async () => await again.Registry.Ask<LeaseAcquired>(Acquire("node-12", 12), AskTimeout),
            TimeSpan.FromSeconds(45), "a grant after the second restart");
        Assert.Equal(before.Version + 1, next.Lease.Version);
    }

    [Fact]
    public async Task Saving_a_snapshot_keeps_the_previous_ones()
    {
        var storage = TestStorage.NewSqlite();
        await using var member = await ClusterMember.StartAsync(storage); // a snapshot every 5 events
        await ConfigureAsync(member.Registry);
        for (var i = 1; i <= 24; i++)
            await member.Registry.Ask<LeaseAcquired>(Acquire($"node-{i}", i), AskTimeout);
        // 25 events: snapshots at 5, 10, 15, 20, 25; the last RegistrySnapshotsKept (3) stay.
        await Poll.UntilTrueAsync(() => SnapshotSequences(storage).SequenceEqual([15L, 20L, 25L]), TimeSpan.FromSeconds(20),
            "snapshots 15, 20 and 25 to be kept and older ones deleted");
    }

    private static int Execute(StorageSettings storage, string sql)
    {
        using var connection = new SqliteConnection(storage.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", LeaseRegistryActor.RegistryPersistenceId);
        return command.ExecuteNonQuery();
    }

    private static long MaxSnapshotSequence(StorageSettings storage) => SnapshotSequences(storage).LastOrDefault();

    private static List<long> SnapshotSequences(StorageSettings storage)
    {
        using var connection = new SqliteConnection(storage.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence_number FROM snapshot WHERE persistence_id = $id ORDER BY sequence_number";
        command.Parameters.AddWithValue("$id", LeaseRegistryActor.RegistryPersistenceId);
        using var reader = command.ExecuteReader();
        var result = new List<long>();
        while (reader.Read())
            result.Add(reader.GetInt64(0));
        return result;
    }
}
