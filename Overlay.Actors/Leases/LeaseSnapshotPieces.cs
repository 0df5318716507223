using Overlay.Actors.Configuration;
using Overlay.Actors.Serialization;

namespace Overlay.Actors.Leases;

/// <summary>Cuts a view into <see cref="LeaseSnapshotPiece"/>s that each serialize to at most a
/// byte budget. Pure.</summary>
public static class LeaseSnapshotPieces
{
    /// <summary>
    /// The pieces of the view at <paramref name="version"/>: consecutive runs of
    /// <paramref name="leases"/> (in their order), each filled until the next lease would take its
    /// encoded size past <paramref name="maxPieceBytes"/> less
    /// <see cref="LeaseTransferConstants.PieceHeaderReserveBytes"/>. Always at least one piece (an
    /// empty view is one empty piece), and every piece holds at least one lease when there are any.
    /// O(n) in the number of leases.
    /// </summary>
    public static IReadOnlyList<LeaseSnapshotPiece> Cut(long version, NetworkConfig? network,
        IReadOnlyCollection<Lease> leases, int maxPieceBytes = LeaseTransferConstants.MaxPieceBytes)
    {
        ArgumentNullException.ThrowIfNull(leases);
        var budget = maxPieceBytes - LeaseTransferConstants.PieceHeaderReserveBytes;
        if (budget <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxPieceBytes), maxPieceBytes,
                $"LeaseSnapshotPieces.Cut: a piece of {maxPieceBytes} bytes leaves no room after the " +
                $"{LeaseTransferConstants.PieceHeaderReserveBytes}-byte header reserve");
        var runs = new List<List<Lease>>();
        var current = new List<Lease>();
        var used = 0;
        foreach (var lease in leases)
        {
            var size = RegistrySnapshotCodec.EncodedSize(lease);
            if (current.Count > 0 && used + size > budget)
            {
                runs.Add(current);
                current = [];
                used = 0;
            }
            current.Add(lease);
            used += size;
        }
        runs.Add(current);
        var total = leases.Count;
        return runs.Select((run, i) => new LeaseSnapshotPiece(version, i, runs.Count, total, network, run)).ToList();
    }
}
