using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;

namespace Overlay.Actors.Leases;

/// <summary>
/// The registry's whole state as saved in the snapshot store: live leases plus the subnets freed
/// recently (with the version that freed them), which allocation hands out last.
/// </summary>
public sealed record RegistrySnapshot(
    long Version,
    NetworkConfig? Network,
    IReadOnlyList<Lease> Leases,
    IReadOnlyList<FreedSubnet> Freed) : IOverlayMessage;

/// <summary>A subnet that was leased and ended at <paramref name="FreedAtVersion"/>.</summary>
public sealed record FreedSubnet(Ipv4Subnet Subnet, long FreedAtVersion);
