using Akka.Actor;
using Overlay.Actors.Leases;
using Overlay.Cluster.Tests.Harness;
using Overlay.Hosting.Storage;

namespace Overlay.Cluster.Tests;

/// <summary>Every member stopped and started again: the registry comes back with the same leases.</summary>
public sealed class FullRestartSpec
{
    [Fact]
    public Task Every_member_restarted_keeps_the_same_leases_with_sqlite() => RestartKeepsLeases(TestStorage.NewSqlite());

    [PostgresFact]
    public async Task Every_member_restarted_keeps_the_same_leases_with_postgres()
    {
        var admin = TestStorage.PostgresAdmin(out _)!;
        await RestartKeepsLeases(await TestStorage.NewPostgresAsync(admin), secondRegistryHost: true);
    }

    private static async Task RestartKeepsLeases(StorageSettings storage, bool secondRegistryHost = false)
    {
        LeaseSnapshot before;
        {
            await using var a = await ClusterMember.StartAsync(storage);
            await RegistryPersistenceSpec.ConfigureAsync(a.Registry);
            await using var b = await ClusterMember.StartAsync(secondRegistryHost ? storage : null, joinTo: a);
            for (var i = 1; i <= 10; i++)
                await b.Registry.Ask<LeaseAcquired>(RegistryPersistenceSpec.Acquire($"node-{i}", i), TimeSpan.FromSeconds(30));
            before = await RegistryPersistenceSpec.SnapshotOf(a);
        }

        await using var a2 = await ClusterMember.StartAsync(storage);
        await using var b2 = await ClusterMember.StartAsync(secondRegistryHost ? storage : null, joinTo: a2);
        var after = await Poll.UntilAsync(async () => await RegistryPersistenceSpec.SnapshotOf(b2), TimeSpan.FromSeconds(60),
            "the registry after the restart");
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Leases.OrderBy(l => l.Subnet), after.Leases.OrderBy(l => l.Subnet));

        // A node asking again after the restart gets its old subnet.
        var again = await b2.Registry.Ask<LeaseAcquired>(RegistryPersistenceSpec.Acquire("node-4", 4), TimeSpan.FromSeconds(30));
        Assert.Equal(before.Leases.Single(l => l.NodeName == "node-4").Subnet, again.Lease.Subnet);
    }
}
