using System.Diagnostics;
using CsCheck;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Xunit.Abstractions;
using static Overlay.Actors.Tests.RegistryTestKit;

namespace Overlay.Actors.Tests;

/// <summary>
/// Random networks and random interleavings of every registry command from many nodes: after each
/// step the invariant holds, and each acquire got what flannel's order says it should.
/// </summary>
public class AllocationPropertyTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(5);

    /// <summary>A valid net-conf.json: Network /8../28, SubnetLen 2..10 bits longer (at most /30),
    /// random SubnetMin &lt;= SubnetMax. Small ranges are common, so networks fill up.</summary>
    private static readonly Gen<string> GenNetConf =
        from prefix in Gen.Int[8, 28]
        from bits in Gen.Int[2, Math.Min(30 - prefix, 10)]
        from address in Gen.UInt
        from small in Gen.Bool
        from a in Gen.Int[0, small ? Math.Min(5, (1 << bits) - 1) : (1 << bits) - 1]
        from b in Gen.Int[0, small ? Math.Min(5, (1 << bits) - 1) : (1 << bits) - 1]
        select NetConf(prefix, prefix + bits, address, Math.Min(a, b), Math.Max(a, b));

    private static string NetConf(int prefix, int subnetLen, uint address, int minIndex, int maxIndex)
    {
        var network = new Ipv4Subnet(address & Ipv4Subnet.MaskOf(prefix), prefix);
        var step = 1u << (32 - subnetLen);
        return $$"""
            {"Network":"{{network}}","SubnetLen":{{subnetLen}},
             "SubnetMin":"{{Ipv4.Format(network.Network + (uint)minIndex * step)}}",
             "SubnetMax":"{{Ipv4.Format(network.Network + (uint)maxIndex * step)}}"}
            """;
    }

    /// <summary>One step: a kind 0..99 and two operands that pick nodes, addresses and subnets.</summary>
    private static readonly Gen<(int Kind, int A, int B)> GenOp = Gen.Select(Gen.Int[0, 99], Gen.Int[0, 1 << 20], Gen.Int[0, 1 << 20]);

    private static readonly Gen<(string First, string Second, (int Kind, int A, int B)[] Ops)> GenScenario =
        Gen.Select(GenNetConf, GenNetConf, GenOp.Array[1, 150]);

    [Fact]
    public void Registry_keeps_its_invariants_under_random_commands()
    {
        var stopwatch = Stopwatch.StartNew();
        GenScenario.Sample(
            scenario => RunScenario(scenario.First, scenario.Second, scenario.Ops),
            iter: 200,
            print: scenario => $"{scenario.First} then {scenario.Second}; ops {string.Join(" ", scenario.Ops.Select(o => $"{o.Kind}/{o.A}/{o.B}"))}");
        output.WriteLine($"200 scenarios in {stopwatch.ElapsedMilliseconds} ms");
    }

    private static void RunScenario(string firstConf, string secondConf, (int Kind, int A, int B)[] ops)
    {
        var configs = new[] { NetworkConfigParser.Parse(firstConf), NetworkConfigParser.Parse(secondConf) };
        var now = T0;
        var state = Configured(configs[0]);
        var members = new Dictionary<string, DateTimeOffset>();
        CheckInvariant(state);

        foreach (var (kind, a, b) in ops)
        {
            var before = state;
            RegistryDecision decision;
            switch (kind)
            {
                case < 45:
                    var acquire = MakeAcquire(state, a, b);
                    decision = state.Process(acquire, now, Settings);
                    CheckAcquire(before, acquire, decision);
                    break;
                case < 60:
                    decision = state.Process(new RenewLease(PickHolder(state, a, b), PickSubnet(state, a, b)), now, Settings);
                    break;
                case < 70:
                    decision = state.Process(new ReleaseLease(PickHolder(state, a, b), PickSubnet(state, a, b)), now, Settings);
                    break;
                case < 76:
                    decision = state.Process(new EvictLease(PickSubnet(state, a, b)), now, Settings);
                    break;
                case < 88:
                    now += TimeSpan.FromMinutes(a % 50);
                    decision = state.SweepExpired(now);
                    Assert.All(decision.Events, e => Assert.True(state.Find(((LeaseEnded)e).Subnet)!.ExpiresAt <= now));
                    break;
                case < 94:
                    members[$"member-{a % 12}"] = now - TimeSpan.FromMinutes(b % 10);
                    decision = state.EndLeasesOfRemovedMembers(members, now, Grace);
                    break;
                case < 97:
                    decision = state.Process(new ApplyNetworkConfig(configs[a % 2]), now, Settings);
                    break;
                default:
                    state = LeaseRegistryState.FromSnapshot(state.ToSnapshot());
                    decision = state.Process(GetLeaseSnapshot.Instance, now, Settings);
                    break;
            }

            for (var i = 0; i < decision.Events.Count; i++)
                Assert.Equal(before.Version + i + 1, decision.Events[i].Version);
            state = state.ApplyAll(decision);
            CheckInvariant(state);
        }
    }

    /// <summary>Node n0..n11, public IPs from a pool of 14 (so names and addresses cross), member
    /// addresses member-0..11; a quarter ask for nothing, the rest for a valid, an invalid or a
    /// taken subnet.</summary>
    private static AcquireLease MakeAcquire(LeaseRegistryState state, int a, int b)
    {
        var config = state.Network!;
        var requested = (b % 4) switch
        {
            0 => (Ipv4Subnet?)null,
            1 => SubnetAllocator.SubnetAt(config, b % config.SubnetCount),
            2 => Invalid(config, b),
            _ => state.Leases.Count == 0 ? null : state.Leases.ElementAt(b % state.Leases.Count).Subnet,
        };
        return new AcquireLease($"n{a % 12}", Ip($"192.0.2.{(a / 12 + b) % 14}"), 8285, requested, $"member-{(a + b) % 12}");
    }

    private static Ipv4Subnet Invalid(NetworkConfig config, int b) => (b % 3) switch
    {
        0 => config.Network, // the whole network, wrong length
        1 => new Ipv4Subnet(config.SubnetMin.Network, config.SubnetLen + 1), // half a subnet
        _ => config.SubnetMin.Network == config.Network.Network // below SubnetMin, or just past SubnetMax
            ? new Ipv4Subnet(config.SubnetMax.Network + (uint)config.SubnetMax.Size, config.SubnetLen)
            : new Ipv4Subnet(config.Network.Network, config.SubnetLen),
    };

    private static string PickHolder(LeaseRegistryState state, int a, int b) =>
        state.Leases.Count > 0 && b % 5 != 0 ? state.Leases.ElementAt(a % state.Leases.Count).NodeName : $"n{b % 12}";

    private static Ipv4Subnet PickSubnet(LeaseRegistryState state, int a, int b) =>
        state.Leases.Count > 0 && b % 7 != 0
            ? state.Leases.ElementAt(a % state.Leases.Count).Subnet
            : SubnetAllocator.SubnetAt(state.Network!, b % state.Network!.SubnetCount);

    /// <summary>flannel's order, checked against the state before the command.</summary>
    private static void CheckAcquire(LeaseRegistryState before, AcquireLease request, RegistryDecision decision)
    {
        var config = before.Network!;
        var leases = before.Leases.ToList();
        var own = leases.FirstOrDefault(l => l.NodeName == request.NodeName)
                  ?? leases.FirstOrDefault(l => l.PublicIp.Equals(request.PublicIp));
        if (own is not null)
        {
            Assert.Equal(own.Subnet, Granted(decision).Subnet); // a node that asks again gets its own lease
            return;
        }
        if (request.RequestedSubnet is { } wanted && config.Admits(wanted) && !leases.Any(l => l.Subnet.Overlaps(wanted)))
        {
            Assert.Equal(wanted, Granted(decision).Subnet); // a free valid requested subnet is honoured
            return;
        }
        if (before.FreeSubnetCount == 0)
        {
            var rejected = Assert.IsType<LeaseRequestRejected>(decision.Reply);
            Assert.StartsWith($"out of subnets in {config.Network}", rejected.Reason);
            Assert.Empty(decision.Events);
            return;
        }
        Assert.Equal(NaivePick(config, leases, before.Freed), Granted(decision).Subnet);
    }

    /// <summary>The allocation rule by plain scanning: lowest never-used, else oldest freed.</summary>
    private static Ipv4Subnet NaivePick(NetworkConfig config, List<Lease> leases, IReadOnlyList<FreedSubnet> freed)
    {
        var live = leases.Select(l => l.Subnet).ToHashSet();
        var freedSet = freed.Select(f => f.Subnet).ToHashSet();
        for (long i = 0; i < config.SubnetCount; i++)
        {
            var candidate = SubnetAllocator.SubnetAt(config, i);
            if (!live.Contains(candidate) && !freedSet.Contains(candidate))
                return candidate;
        }
        return freed.OrderBy(f => f.FreedAtVersion).First(f => config.Admits(f.Subnet) && !live.Contains(f.Subnet)).Subnet;
    }

    private static void CheckInvariant(LeaseRegistryState state)
    {
        var config = state.Network!;
        var leases = state.Leases.ToList();
        for (var i = 0; i < leases.Count; i++)
        {
            Assert.True(config.Admits(leases[i].Subnet), $"{leases[i].Subnet} outside {config.SubnetMin}..{config.SubnetMax}");
            Assert.True(leases[i].Version <= state.Version);
            if (i > 0)
                Assert.True(leases[i - 1].Subnet.Last < leases[i].Subnet.Network, $"{leases[i - 1].Subnet} overlaps {leases[i].Subnet}");
        }
        Assert.Equal(config.SubnetCount - leases.Count, state.FreeSubnetCount);
        Assert.All(state.Freed, f => Assert.Null(state.Find(f.Subnet)));
    }

    [Fact]
    public void Ten_thousand_acquires_on_a_slash8_complete()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.0.0.0/8","SubnetLen":24}""");
        var state = Configured(config);
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < 10_000; i++)
        {
            var decision = state.Process(
                new AcquireLease($"node-{i}", Ipv4.ToAddress(0xC6336400u + (uint)i), 8285, null, ""), T0, Settings);
            foreach (var e in decision.Events)
                state = state.Apply(e);
        }
        output.WriteLine($"10,000 acquires in {stopwatch.ElapsedMilliseconds} ms");
        Assert.Equal(10_000, state.Leases.Count);
        Assert.Equal(SubnetAllocator.SubnetAt(config, 9_999), state.Leases.Last().Subnet);
        Assert.Equal(config.SubnetCount - 10_000, state.FreeSubnetCount);
    }
}
