using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;

namespace Overlay.Cluster.Tests;

/// <summary>Sample values of every contract type, for round trips.</summary>
public static class Samples
{
    public static readonly NetworkConfig Network = new(Ipv4Subnet.Parse("10.244.0.0/16"), 24,
        Ipv4Subnet.Parse("10.244.1.0/24"), Ipv4Subnet.Parse("10.244.255.0/24"), new BackendConfig("udp", 8285));

    public static readonly Lease Lease = new(Ipv4Subnet.Parse("10.244.7.0/24"), "host-7", IPAddress.Parse("192.0.2.17"),
        8285, new DateTimeOffset(2026, 11, 27, 8, 30, 0, TimeSpan.Zero), 42, "akka.tcp://overlay@192.0.2.17:4054");

    /// <summary>One instance of every type the serializer handles.</summary>
    public static IEnumerable<object> All()
    {
        yield return new ConfigureNetwork(Network);
        yield return new AcquireLease("host-7", IPAddress.Parse("192.0.2.17"), 8285, Ipv4Subnet.Parse("10.244.7.0/24"), "akka.tcp://overlay@192.0.2.17:4054");
        yield return new AcquireLease("host-8", IPAddress.Parse("192.0.2.18"), 8285, null, "");
        yield return new RenewLease("host-7", Lease.Subnet);
        yield return new ReleaseLease("host-7", Lease.Subnet);
        yield return new EvictLease(Lease.Subnet);
        yield return GetLeaseSnapshot.Instance;
        yield return new LeaseAcquired(Lease, Network);
        yield return new LeaseRenewalSucceeded(Lease);
        yield return new LeaseRemovalSucceeded(Lease.Subnet, 43);
        yield return new LeaseRequestRejected("out of subnets");
        yield return new LeaseNotFound(Lease.Subnet);
        yield return new LeaseSnapshot(42, Network, [Lease]);
        yield return new LeaseSnapshot(0, null, []);
        yield return new NetworkConfigured(Network, 1);
        yield return new LeaseGranted(Lease);
        yield return new LeaseRenewed(Lease.Subnet, Lease.ExpiresAt.AddHours(24), 44);
        yield return new LeaseEnded(Lease.Subnet, LeaseEndReason.MemberRemoved, 45);
        yield return new RegistrySnapshot(45, Network, [Lease], [new FreedSubnet(Ipv4Subnet.Parse("10.244.9.0/24"), 30)]);
        yield return new PackedRegistrySnapshot(
            new RegistrySnapshot(45, Network, [Lease], [new FreedSubnet(Ipv4Subnet.Parse("10.244.9.0/24"), 30)]));
        yield return new GetLeaseSnapshotPiece(0, 0);
        yield return new GetLeaseSnapshotPiece(42, 3);
        yield return new LeaseSnapshotPiece(42, 3, 7, 6500, Network, [Lease, Lease with { Subnet = Ipv4Subnet.Parse("10.244.8.0/24") }]);
        yield return new LeaseSnapshotPiece(0, 0, 1, 0, null, []);
        yield return new LeaseSnapshotUnavailable(42, 3);
        yield return new GetLeaseVersion(41);
        yield return new LeaseVersionIs(45);
        yield return new ApplyNetworkConfig(Network);
        yield return new LeaseRefused(LeaseRefusal.IdentityConflict, Lease.Subnet,
            "node name host-7 is held by akka.tcp://overlay@192.0.2.17:4054 (10.244.7.0/24, public IP 192.0.2.17); refusing akka.tcp://overlay@192.0.2.18:4054");
        yield return new LeaseRefused(LeaseRefusal.NotRegistryMember, null, "ConfigureNetwork from a node");
        yield return new NetworkConfigDrifted(Network, Network with { SubnetLen = 25 }, 46);
    }
}
