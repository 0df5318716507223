using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;

namespace Overlay.Actors.Leases;

/// <summary>Marker for every type that crosses the wire or the journal; all go through one serializer.</summary>
public interface IOverlayMessage;

/// <summary>A command the lease registry answers.</summary>
public interface ILeaseRegistryCommand : IOverlayMessage;

/// <summary>
/// A persisted registry change. <see cref="Version"/> is the registry version it created: versions
/// are strictly increasing and contiguous, so a subscriber that sees a gap knows it missed one.
/// Every event is also published on <see cref="LeaseTopic.Name"/>.
/// </summary>
public interface ILeaseEvent : IOverlayMessage
{
    /// <summary>The registry version this event created.</summary>
    long Version { get; }
}

// ---- commands ----------------------------------------------------------------------------------

/// <summary>Offers the network config (sent by the seed at start). The registry takes it only when it
/// has none yet; when its journal already holds a different config, the journal wins: nothing
/// changes, no lease ends, and the reply is <see cref="NetworkConfigDrifted"/> (F29). The
/// same config again is acknowledged with <see cref="NetworkConfigured"/>. Honoured only from a
/// member with the "registry" role (a seed) or from the registry's own actor system.</summary>
public sealed record ConfigureNetwork(NetworkConfig Config) : ILeaseRegistryCommand;

/// <summary>The operator's override (overlay-seed --net-config-apply): makes <paramref name="Config"/>
/// the registry's config even when the journal holds another one, ending the leases it no longer
/// admits (LeaseEnded Incompatible), as flannel deletes incompatible leases. Same authorisation as
/// <see cref="ConfigureNetwork"/>.</summary>
public sealed record ApplyNetworkConfig(NetworkConfig Config) : ILeaseRegistryCommand;

/// <summary>Asks for a lease: this node's existing one (same node name or public IP), else
/// <paramref name="RequestedSubnet"/> if free and valid, else a free subnet. <paramref name="Port"/>
/// is the UDP port the node will bind; <see cref="FollowBackendPort"/> (0) asks the registry to put
/// the network config's Backend.Port in the lease, which the node then binds.</summary>
public sealed record AcquireLease(
    string NodeName, IPAddress PublicIp, int Port, Ipv4Subnet? RequestedSubnet, string MemberAddress)
    : ILeaseRegistryCommand
{
    /// <summary>The <see cref="Port"/> that means "Backend.Port of the network config". Registries
    /// from before this value had a meaning reject it ("needs a port in 1..65535").</summary>
    public const int FollowBackendPort = 0;
}

/// <summary>Extends the holder's lease by the TTL.</summary>
public sealed record RenewLease(string NodeName, Ipv4Subnet Subnet) : ILeaseRegistryCommand;

/// <summary>Gives the subnet back (the holder no longer needs it).</summary>
public sealed record ReleaseLease(string NodeName, Ipv4Subnet Subnet) : ILeaseRegistryCommand;

/// <summary>Administrative removal of a lease, whoever holds it.</summary>
public sealed record EvictLease(Ipv4Subnet Subnet) : ILeaseRegistryCommand;

/// <summary>Asks for every live lease with the version they are current at.</summary>
public sealed record GetLeaseSnapshot : ILeaseRegistryCommand
{
    /// <summary>The only instance.</summary>
    public static readonly GetLeaseSnapshot Instance = new();
}

// ---- replies -----------------------------------------------------------------------------------

/// <summary>Reply to <see cref="AcquireLease"/>: the lease and the network it belongs to.</summary>
public sealed record LeaseAcquired(Lease Lease, NetworkConfig Network) : IOverlayMessage;

/// <summary>Reply to <see cref="RenewLease"/>: the lease with its new expiry.</summary>
public sealed record LeaseRenewalSucceeded(Lease Lease) : IOverlayMessage;

/// <summary>Reply to <see cref="ReleaseLease"/> and <see cref="EvictLease"/>: the lease is gone.</summary>
public sealed record LeaseRemovalSucceeded(Ipv4Subnet Subnet, long Version) : IOverlayMessage;

/// <summary>A command the registry refused, with the reason in words ("out of subnets",
/// "no lease for 10.244.9.0/24", "network not configured").</summary>
public sealed record LeaseRequestRejected(string Reason) : IOverlayMessage;

/// <summary>Reply to renew, release or evict when no live lease (for that node) has the subnet.</summary>
public sealed record LeaseNotFound(Ipv4Subnet Subnet) : IOverlayMessage;

/// <summary>Why the registry refused a command that was well formed (see <see cref="LeaseRefused"/>).
/// Serialized by name: never rename a member.</summary>
public enum LeaseRefusal
{
    /// <summary>AcquireLease for a node name or public IP that a live member at another cluster
    /// address holds (two hosts with one --node-name, or two nodes with one public IP).</summary>
    IdentityConflict = 1,
    /// <summary>RenewLease or ReleaseLease from a member other than the lease's holder, or an
    /// AcquireLease whose declared member address is not the sender's.</summary>
    NotHolder = 2,
    /// <summary>A network config change or an eviction from a member without the "registry" role.</summary>
    NotRegistryMember = 3,
}

/// <summary>
/// A refusal with its reason in words, naming both parties, e.g. "node name h2 is held by
/// akka.tcp://overlay@192.0.2.12:4054 (10.244.2.0/24, public IP 192.0.2.12); refusing
/// akka.tcp://overlay@192.0.2.13:4054". Nothing was persisted. <paramref name="Subnet"/> is the
/// subnet the command was about (the held one for identity conflicts), when there is one.
/// </summary>
public sealed record LeaseRefused(LeaseRefusal Kind, Ipv4Subnet? Subnet, string Reason) : IOverlayMessage;

/// <summary>Reply to <see cref="ConfigureNetwork"/> when the registry already holds a different
/// config: <paramref name="Current"/> (the journal's, still in force) and <paramref name="Offered"/>
/// (the sender's, not applied). Nothing was persisted and no lease ended.</summary>
public sealed record NetworkConfigDrifted(NetworkConfig Current, NetworkConfig Offered, long Version) : IOverlayMessage;

/// <summary>Reply to <see cref="GetLeaseSnapshot"/>: every live lease as of <paramref name="Version"/>.</summary>
public sealed record LeaseSnapshot(long Version, NetworkConfig? Network, IReadOnlyList<Lease> Leases) : IOverlayMessage;

// ---- events (persisted, then published) --------------------------------------------------------

/// <summary>The network config was set or changed.</summary>
public sealed record NetworkConfigured(NetworkConfig Config, long Version) : ILeaseEvent;

/// <summary>A lease was granted, or re-granted to its holder with new attributes (an upsert).</summary>
public sealed record LeaseGranted(Lease Lease) : ILeaseEvent
{
    /// <inheritdoc />
    public long Version => Lease.Version;
}

/// <summary>A lease's expiry moved.</summary>
public sealed record LeaseRenewed(Ipv4Subnet Subnet, DateTimeOffset ExpiresAt, long Version) : ILeaseEvent;

/// <summary>Why a lease ended.</summary>
public enum LeaseEndReason
{
    /// <summary>The holder released it.</summary>
    Released = 1,
    /// <summary>Its TTL ran out.</summary>
    Expired = 2,
    /// <summary>The cluster removed its holder and the grace period ran out.</summary>
    MemberRemoved = 3,
    /// <summary>An operator evicted it.</summary>
    Evicted = 4,
    /// <summary>A new network config no longer admits it.</summary>
    Incompatible = 5,
}

/// <summary>A lease ended; its subnet is free again (and handed out last).</summary>
public sealed record LeaseEnded(Ipv4Subnet Subnet, LeaseEndReason Reason, long Version) : ILeaseEvent;

/// <summary>The pub-sub topic that carries every <see cref="ILeaseEvent"/>.</summary>
public static class LeaseTopic
{
    /// <summary>Topic name.</summary>
    public const string Name = "overlay-leases";
}
