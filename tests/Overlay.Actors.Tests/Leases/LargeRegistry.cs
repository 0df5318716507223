using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Tests.Leases;

/// <summary>Registry states with many leases, built directly from a snapshot (acquiring 65,536
/// leases one by one would take most of a test's budget).</summary>
internal static class LargeRegistry
{
    /// <summary>10.0.0.0/8 cut into /26s: 262,143 subnets, room for every size used here.</summary>
    public static readonly NetworkConfig Network = NetworkConfigParser.Parse("""{"Network":"10.0.0.0/8","SubnetLen":26}""");

    /// <summary>A state at version <paramref name="leases"/> + 1 holding <paramref name="leases"/>
    /// leases with names and member addresses as long as real ones.</summary>
    public static LeaseRegistryState State(int leases)
    {
        var first = Network.SubnetMin.Network;
        var expires = RegistryTestKit.T0.AddHours(24);
        var list = new Lease[leases];
        for (var i = 0; i < leases; i++)
        {
            list[i] = new Lease(new Ipv4Subnet(first + ((uint)i << 6), 26), $"worker-node-{i:D6}.cluster.example",
                IPAddress.Parse($"198.{18 + i / 65536}.{i / 256 % 256}.{i % 256}"), OverlayConstants.DefaultUdpPort,
                expires, i + 2, $"akka.tcp://overlay@198.{18 + i / 65536}.{i / 256 % 256}.{i % 256}:4053");
        }
        return LeaseRegistryState.FromSnapshot(new RegistrySnapshot(leases + 1, Network, list, []));
    }

    /// <summary>Acquires <paramref name="count"/> more leases as the registry would, returning the
    /// new state and the events in version order.</summary>
    public static (LeaseRegistryState State, List<ILeaseEvent> Events) Grow(LeaseRegistryState state, int count, string prefix)
    {
        var events = new List<ILeaseEvent>();
        for (var i = 0; i < count; i++)
        {
            var decision = state.Process(new AcquireLease($"{prefix}-{i}", new IPAddress([203, 0, (byte)(i / 250), (byte)(i % 250 + 1)]),
                8285, null, ""), RegistryTestKit.T0, RegistryTestKit.Settings);
            Assert.IsType<LeaseAcquired>(decision.Reply);
            state = state.ApplyAll(decision);
            events.AddRange(decision.Events);
        }
        return (state, events);
    }
}
