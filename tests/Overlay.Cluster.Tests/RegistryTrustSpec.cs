using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Cluster.Tests.Harness;

namespace Overlay.Cluster.Tests;

/// <summary>
/// The registry's authorisation and identity rules with real remote senders (issues 13 and 15): a
/// registry member and two node members on 127.0.0.1; every command from a node travels through
/// its singleton proxy, so the registry sees the node's cluster address as the sender's.
/// </summary>
public sealed class RegistryTrustSpec
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    private static Task<IOverlayMessage> AskAsync(ClusterMember from, ILeaseRegistryCommand command) =>
        from.Registry.Ask<IOverlayMessage>(command, Long);

    [Fact]
    public async Task Lease_commands_are_authorised_by_the_senders_address_and_a_live_holder_keeps_its_name()
    {
        await using var seed = await ClusterMember.StartAsync(TestStorage.NewSqlite());
        await RegistryPersistenceSpec.ConfigureAsync(seed.Registry);
        var h2 = await ClusterMember.StartAsync(null, joinTo: seed);
        await using var h3 = await ClusterMember.StartAsync(null, joinTo: seed);
        var cluster = Akka.Cluster.Cluster.Get(seed.System);
        await Poll.UntilTrueAsync(() => cluster.State.Members.Count(m => m.Status == MemberStatus.Up) == 3, Long, "three members Up");

        // h2 asks without declaring its address: the registry records the sender's.
        var held = Assert.IsType<LeaseAcquired>(await AskAsync(h2,
            new AcquireLease("h2", IPAddress.Parse("192.0.2.12"), 8285, null, ""))).Lease;
        Assert.Equal(h2.Address.ToString(), held.MemberAddress);

        // A second host with h2's name: refused, naming both.
        var refused = Assert.IsType<LeaseRefused>(await AskAsync(h3,
            new AcquireLease("h2", IPAddress.Parse("192.0.2.13"), 8285, null, h3.Address.ToString())));
        Assert.Equal(LeaseRefusal.IdentityConflict, refused.Kind);
        Assert.Equal($"node name h2 is held by {h2.Address} ({held.Subnet}, public IP 192.0.2.12); refusing {h3.Address}", refused.Reason);

        // ...also when it claims h2's address.
        var forged = Assert.IsType<LeaseRefused>(await AskAsync(h3,
            new AcquireLease("h2", IPAddress.Parse("192.0.2.13"), 8285, null, h2.Address.ToString())));
        Assert.Equal(LeaseRefusal.NotHolder, forged.Kind);

        // Renew and release of h2's lease from h3: refused; from h2: honoured.
        foreach (ILeaseRegistryCommand command in new ILeaseRegistryCommand[] { new RenewLease("h2", held.Subnet), new ReleaseLease("h2", held.Subnet) })
        {
            var notHolder = Assert.IsType<LeaseRefused>(await AskAsync(h3, command));
            Assert.Equal(LeaseRefusal.NotHolder, notHolder.Kind);
            Assert.Contains($"from {h3.Address} refused: the lease is held by {h2.Address}", notHolder.Reason);
        }
        Assert.IsType<LeaseRenewalSucceeded>(await AskAsync(h2, new RenewLease("h2", held.Subnet)));

        // Config changes and evictions only from a registry member.
        var wider = NetworkConfigParser.Parse("""{"Network":"10.0.0.0/8"}""");
        foreach (ILeaseRegistryCommand command in new ILeaseRegistryCommand[]
                 { new ConfigureNetwork(wider), new ApplyNetworkConfig(wider), new EvictLease(held.Subnet) })
            Assert.Equal(LeaseRefusal.NotRegistryMember, Assert.IsType<LeaseRefused>(await AskAsync(h3, command)).Kind);

        var snapshot = await RegistryPersistenceSpec.SnapshotOf(seed);
        Assert.Equal(Samples.Network, snapshot.Network);
        Assert.Equal(h2.Address.ToString(), Assert.Single(snapshot.Leases).MemberAddress);

        // Once the cluster removed h2, its name goes to the new host, with the same subnet.
        var h2Address = h2.Address;
        await h2.DisposeAsync();
        await Poll.UntilTrueAsync(() => cluster.State.Members.All(m => m.Address != h2Address), Long, "h2 removed");
        var moved = Assert.IsType<LeaseAcquired>(await AskAsync(h3,
            new AcquireLease("h2", IPAddress.Parse("192.0.2.13"), 8285, null, h3.Address.ToString()))).Lease;
        Assert.Equal(held.Subnet, moved.Subnet);
        Assert.Equal(h3.Address.ToString(), moved.MemberAddress);
    }
}
