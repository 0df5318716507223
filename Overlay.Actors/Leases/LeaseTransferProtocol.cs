using Overlay.Actors.Configuration;

namespace Overlay.Actors.Leases;

// The view transfer. A subscriber asks for piece 0 with Version 0 ("your current view"),
// learns the version V and the piece count n, then asks for pieces 1..n-1 of V one at a time. The
// registry serves every piece of V from an immutable copy of its state at V, so later changes do not
// tear the transfer. A piece that does not come back in time is asked for again; a registry that no
// longer holds V answers LeaseSnapshotUnavailable and the subscriber starts over. A subscriber that
// only needs to know whether it is current probes with GetLeaseVersion.

/// <summary>Asks for piece <paramref name="Index"/> (0-based) of the view at registry version
/// <paramref name="Version"/>; Version 0 means "start a transfer of your current view" (then Index is 0).
/// Answered with <see cref="LeaseSnapshotPiece"/> or <see cref="LeaseSnapshotUnavailable"/>.
/// A new transfer may start from a view cut a few versions ago (a subscriber catches up with a
/// probe afterwards); <paramref name="Exact"/> asks for the current version itself (management
/// routes and metrics, which do not catch up).</summary>
public sealed record GetLeaseSnapshotPiece(long Version, int Index, bool Exact = false) : ILeaseRegistryCommand;

/// <summary>
/// One piece of the view at <paramref name="Version"/>: the leases of this piece, in subnet order
/// and disjoint from every other piece's. The pieces 0..<paramref name="Count"/>-1 together hold
/// <paramref name="TotalLeases"/> leases. Every piece carries the network config. Encoded in binary
/// (manifest "SP"); the registry cuts pieces so that each is at most
/// <see cref="LeaseTransferConstants.MaxPieceBytes"/> serialized.
/// </summary>
public sealed record LeaseSnapshotPiece(
    long Version, int Index, int Count, int TotalLeases, NetworkConfig? Network, IReadOnlyList<Lease> Leases)
    : IOverlayMessage;

/// <summary>The registry no longer holds (or never held) the view at <paramref name="Version"/>, or
/// it has no such piece: start the transfer again with Version 0.</summary>
public sealed record LeaseSnapshotUnavailable(long Version, int Index) : IOverlayMessage;

/// <summary>
/// A version probe from a subscriber whose view is at <paramref name="KnownVersion"/>. The registry
/// first sends the events after KnownVersion if it still holds them all in memory (at most
/// <see cref="LeaseTransferConstants.RecentEventsKept"/>), then answers <see cref="LeaseVersionIs"/>
/// with its current version; both go straight to the sender, in that order.
/// </summary>
public sealed record GetLeaseVersion(long KnownVersion) : ILeaseRegistryCommand;

/// <summary>Reply to <see cref="GetLeaseVersion"/>: the registry's current version.</summary>
public sealed record LeaseVersionIs(long Version) : IOverlayMessage;
