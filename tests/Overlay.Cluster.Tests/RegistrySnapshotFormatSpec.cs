using Akka.Actor;
using Akka.Persistence;
using Overlay.Actors.Leases;
using Overlay.Cluster.Tests.Harness;

namespace Overlay.Cluster.Tests;

/// <summary>The registry saves packed ("S-RB") snapshots and still recovers from a
/// JSON ("S-RS") snapshot that an older registry saved.</summary>
public sealed class RegistrySnapshotFormatSpec
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_registry_recovers_from_a_json_snapshot_written_before_the_packed_format()
    {
        var storage = TestStorage.NewSqlite();
        LeaseSnapshot before;
        await using (var member = await ClusterMember.StartAsync(storage))
        {
            await RegistryPersistenceSpec.ConfigureAsync(member.Registry);
            for (var i = 1; i <= 12; i++)
                await member.Registry.Ask<LeaseAcquired>(RegistryPersistenceSpec.Acquire($"node-{i}", i), AskTimeout);
            before = await RegistryPersistenceSpec.SnapshotOf(member);
            Assert.Equal(13, before.Version); // 1 config + 12 grants; packed snapshots at 5 and 10

            // The newest snapshot is a plain RegistrySnapshot (JSON, as older registries wrote) that
            // lacks node-12's lease: if recovery reads it, node-12's lease is gone (no later events).
            var json = new RegistrySnapshot(before.Version, before.Network,
                before.Leases.Where(l => l.NodeName != "node-12").ToList(), []);
            var store = Persistence.Instance.Apply(member.System).SnapshotStoreFor(null);
            var saved = await store.Ask<object>(new SaveSnapshot(
                new SnapshotMetadata(LeaseRegistryActor.RegistryPersistenceId, before.Version, DateTime.UtcNow), json), AskTimeout);
            Assert.IsType<SaveSnapshotSuccess>(saved);
        }

        await using var restarted = await ClusterMember.StartAsync(storage);
        var after = await Poll.UntilAsync(async () => await RegistryPersistenceSpec.SnapshotOf(restarted),
            TimeSpan.FromSeconds(30), "the recovered registry");
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Leases.Where(l => l.NodeName != "node-12").OrderBy(l => l.Subnet), after.Leases.OrderBy(l => l.Subnet));
    }
}
