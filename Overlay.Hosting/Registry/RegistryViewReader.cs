using Akka.Actor;
using Overlay.Actors.Leases;

namespace Overlay.Hosting.Registry;

/// <summary>
/// Reads the registry's whole view as one <see cref="LeaseSnapshot"/> for the management routes
/// and metrics, piece by piece (<see cref="GetLeaseSnapshotPiece"/>). A whole LeaseSnapshot is one
/// message, and from a seed that does not host the registry singleton it crosses remoting, whose
/// frame (128,000 bytes) it outgrows at about 700 leases; pieces always fit.
/// </summary>
public static class RegistryViewReader
{
    /// <summary>How often a transfer whose version the registry dropped meanwhile is started over.</summary>
    private const int MaxAttempts = 3;

    /// <summary>The view at the registry's current version (not a recent cut kept for subscribers);
    /// each ask waits at most <paramref name="askTimeout"/>.
    /// Throws <see cref="AskTimeoutException"/> when the registry does not answer, and
    /// <see cref="TimeoutException"/> when it dropped the version <see cref="MaxAttempts"/> times.</summary>
    public static async Task<LeaseSnapshot> ReadAsync(IActorRef registry, TimeSpan askTimeout, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            if (await registry.Ask<IOverlayMessage>(new GetLeaseSnapshotPiece(0, 0, Exact: true), askTimeout, cancellation)
                is not LeaseSnapshotPiece first)
                continue;
            var leases = new List<Lease>(first.TotalLeases);
            leases.AddRange(first.Leases);
            var complete = true;
            for (var k = 1; k < first.Count; k++)
            {
                if (await registry.Ask<IOverlayMessage>(new GetLeaseSnapshotPiece(first.Version, k), askTimeout, cancellation)
                    is not LeaseSnapshotPiece piece)
                {
                    complete = false; // the registry moved on and dropped this version: start over
                    break;
                }
                leases.AddRange(piece.Leases);
            }
            if (complete)
                return new LeaseSnapshot(first.Version, first.Network, leases);
        }
        throw new TimeoutException($"reading the lease view: the registry dropped the version being read {MaxAttempts} times");
    }
}
