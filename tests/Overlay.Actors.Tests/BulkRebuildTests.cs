using CsCheck;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using static Overlay.Actors.Tests.RegistryTestKit;

namespace Overlay.Actors.Tests;

/// <summary>The bulk (builder) paths that make recovery of many leases fast behave exactly like the
/// one-at-a-time paths they replace: SubnetUsage.Create like folding WithFreed/WithLive, and
/// LeaseRegistryState.FromSnapshot like the state that produced the snapshot.</summary>
public sealed class BulkRebuildTests
{
    // 10.244.0.0/16 in /24s: 255 subnets, small enough to compare every one.
    private static readonly NetworkConfig Config = NetworkConfigParser.Default;

    private static readonly Gen<Ipv4Subnet> GenSubnet =
        Gen.Frequency((9, Gen.Int[0, 260].Select(i => new Ipv4Subnet(0x0AF40000u + ((uint)i << 8), 24))), // some not admitted
            (1, Gen.Int[0, 255].Select(i => new Ipv4Subnet(0x0A000000u + ((uint)i << 8), 24))));

    [Fact]
    public void SubnetUsage_Create_equals_folding_WithFreed_then_WithLive() =>
        Gen.Select(GenSubnet.List[0, 300], Gen.Select(GenSubnet, Gen.Long[1, 1000]).List[0, 300]).Sample((live, freed) =>
        {
            var bulk = SubnetUsage.Create(Config, live, freed.Select(f => (f.Item1, f.Item2)));
            var folded = SubnetUsage.Empty(Config);
            foreach (var (subnet, version) in freed)
                folded = folded.WithFreed(subnet, version);
            foreach (var subnet in live)
                folded = folded.WithLive(subnet);

            Assert.Equal(folded.LiveCount, bulk.LiveCount);
            Assert.Equal(folded.FreedCount, bulk.FreedCount);
            Assert.Equal(folded.FreeCount, bulk.FreeCount);
            for (var i = 0; i < Config.SubnetCount; i++)
                Assert.Equal(folded.IsLive(SubnetAllocator.SubnetAt(Config, i)), bulk.IsLive(SubnetAllocator.SubnetAt(Config, i)));
            // Picking repeatedly walks never-used gaps, then freed subnets oldest first.
            for (var i = 0; i < Config.SubnetCount + 1; i++)
            {
                var (a, b) = (folded.Pick([]), bulk.Pick([]));
                Assert.Equal(a, b);
                if (a is not { } picked)
                    break;
                (folded, bulk) = (folded.WithLive(picked), bulk.WithLive(picked));
            }
        }, iter: 100);

    [Fact]
    public void FromSnapshot_of_a_large_churned_registry_behaves_like_the_original()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.0.0.0/8","SubnetLen":24}""");
        var state = Configured(config);
        var now = T0;
        for (var i = 0; i < 3000; i++)
        {
            now += TimeSpan.FromSeconds(1);
            // Members are shared by ten leases each, public IPs by none (each re-acquire by IP would
            // return the same lease), node names are unique.
            (state, var decision) = state.Run(Acquire($"n{i}", $"198.51.{100 + i / 250}.{1 + i % 250}",
                member: $"akka.tcp://overlay@m{i / 10}:4054"), now);
            if (i % 7 == 0)
                (state, _) = state.Run(new ReleaseLease($"n{i}", Granted(decision).Subnet), now);
            else if (i % 5 == 0)
                (state, _) = state.Run(new RenewLease($"n{i}", Granted(decision).Subnet), now + TimeSpan.FromMinutes(30));
        }

        var restored = LeaseRegistryState.FromSnapshot(state.ToSnapshot());
        Assert.Equal(state.Leases, restored.Leases);
        Assert.Equal(state.Freed, restored.Freed);
        Assert.Equal(state.FreeSubnetCount, restored.FreeSubnetCount);

        var later = now + TimeSpan.FromMinutes(50);
        Assert.Equal(Describe(state.SweepExpired(later)), Describe(restored.SweepExpired(later)));
        var removed = new Dictionary<string, DateTimeOffset> { ["akka.tcp://overlay@m7:4054"] = T0, ["akka.tcp://overlay@m250:4054"] = T0 };
        Assert.Equal(Describe(state.EndLeasesOfRemovedMembers(removed, later, TimeSpan.FromMinutes(1))),
            Describe(restored.EndLeasesOfRemovedMembers(removed, later, TimeSpan.FromMinutes(1))));
        ILeaseRegistryCommand[] script =
        [
            Acquire("n1", "192.0.2.1"), Acquire("other", "198.51.100.2"), Acquire("fresh-1", "192.0.2.2"),
            new ReleaseLease("n3", state.Leases.Single(l => l.NodeName == "n3").Subnet), Acquire("fresh-2", "192.0.2.3"),
            new RenewLease("n4", state.Leases.Single(l => l.NodeName == "n4").Subnet),
        ];
        foreach (var command in script)
        {
            (state, var expected) = state.Run(command, later);
            (restored, var actual) = restored.Run(command, later);
            Assert.Equal(Describe(expected), Describe(actual));
        }
    }
}
