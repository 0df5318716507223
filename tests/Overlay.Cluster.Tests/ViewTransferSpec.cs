using System.Diagnostics;
using Akka.Actor;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Cluster.Tests.Harness;
using Overlay.Hosting.Registry;
using Xunit.Abstractions;

namespace Overlay.Cluster.Tests;

/// <summary>
/// Over real remoting: a registry holding more leases than one remoting frame can carry
/// as a whole snapshot (about 700 did not fit), and a node that joins afterwards gets every one.
/// </summary>
public sealed class ViewTransferSpec(ITestOutputHelper output)
{
    private const int Leases = 2_000;
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    /// <summary>10.244.0.0/16 cut into /28s: 4,095 subnets, room for the 2,000 leases.</summary>
    private static readonly NetworkConfig Wide = NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16","SubnetLen":28}""");

    [Fact]
    public async Task A_node_that_joins_a_registry_of_2000_leases_gets_all_of_them()
    {
        // Snapshots rarely: saving 2,000 leases every 5 events would dominate the load time.
        var settings = TestRegistrySettings.Fast with { SnapshotEvery = 1_000 };
        await using var seed = await ClusterMember.StartAsync(TestStorage.NewSqlite(), settings);
        await Poll.UntilAsync(async () => await seed.Registry.Ask<NetworkConfigured>(new ConfigureNetwork(Wide), AskTimeout),
            TimeSpan.FromSeconds(30), "the registry to accept the network config");

        var load = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, Leases), new ParallelOptions { MaxDegreeOfParallelism = 32 },
            async (i, _) =>
            {
                var reply = await seed.Registry.Ask<object>(new AcquireLease($"host-{i}",
                    new System.Net.IPAddress([198, 18, (byte)(i >> 8), (byte)i]), 8285, null, ""), AskTimeout);
                Assert.IsType<LeaseAcquired>(reply);
            });
        output.WriteLine($"{Leases} leases acquired in {load.ElapsedMilliseconds} ms");

        await using var node = await ClusterMember.StartAsync(null, joinTo: seed);
        var watch = Stopwatch.StartNew();
        var views = Subscribers.Subscribe(node);
        var view = await Poll.UntilAsync(() => Task.FromResult(views.LastOrDefault(v => v.Leases.Count >= Leases)),
            TimeSpan.FromSeconds(60), $"the node's view to hold {Leases} leases");
        output.WriteLine($"view of {view.Leases.Count} leases at version {view.Version} after {watch.ElapsedMilliseconds} ms");
        Assert.Equal(Leases, view.Leases.Count);
        Assert.Equal(Wide, view.Network);

        // More than one piece was needed (the whole view is over the frame), each far below it.
        var first = await node.Registry.Ask<LeaseSnapshotPiece>(new GetLeaseSnapshotPiece(0, 0), AskTimeout);
        Assert.True(first.Count > 1, $"{Leases} leases came in {first.Count} piece(s)");
        var serializer = node.System.Serialization.FindSerializerFor(first);
        for (var k = 0; k < first.Count; k++)
        {
            var piece = await node.Registry.Ask<LeaseSnapshotPiece>(new GetLeaseSnapshotPiece(first.Version, k), AskTimeout);
            Assert.True(serializer.ToBinary(piece).Length <= LeaseTransferConstants.MaxPieceBytes);
        }

        // The seed routes and metrics read the view the same way, and only that way gets it from
        // a member that does not host the registry: the whole snapshot is dropped by remoting.
        var whole = await RegistryViewReader.ReadAsync(node.Registry, AskTimeout);
        Assert.Equal(view.Leases.Values, whole.Leases);
        await Assert.ThrowsAsync<AskTimeoutException>(() =>
            node.Registry.Ask<LeaseSnapshot>(GetLeaseSnapshot.Instance, TimeSpan.FromSeconds(3)));

        // A lease granted now reaches the node through pub-sub as before.
        var extra = await seed.Registry.Ask<LeaseAcquired>(new AcquireLease("late", System.Net.IPAddress.Parse("192.0.2.99"),
            8285, null, ""), AskTimeout);
        await Poll.UntilTrueAsync(() => views.Any(v => v.Leases.ContainsKey(extra.Lease.Subnet)), TimeSpan.FromSeconds(30),
            "the node's view to get the late lease");
    }
}
