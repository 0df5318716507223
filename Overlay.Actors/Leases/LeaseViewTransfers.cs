namespace Overlay.Actors.Leases;

/// <summary>
/// The registry's side of moving its view to subscribers: the full views it has cut into pieces
/// (at most <see cref="LeaseTransferConstants.MaxCachedTransfers"/>, one per version, each immutable)
/// and its most recent events (at most <see cref="LeaseTransferConstants.RecentEventsKept"/>, with
/// contiguous versions) to catch up a subscriber that is only a little behind. Owned by one actor;
/// not thread-safe. Decisions only: the actor sends what these methods return.
/// </summary>
public sealed class LeaseViewTransfers
{
    private readonly int _maxPieceBytes;
    private readonly List<IReadOnlyList<LeaseSnapshotPiece>> _transfers = []; // oldest first
    private readonly LinkedList<ILeaseEvent> _recent = new();

    /// <summary>Creates an empty cache cutting pieces of at most <paramref name="maxPieceBytes"/>.</summary>
    public LeaseViewTransfers(int maxPieceBytes = LeaseTransferConstants.MaxPieceBytes) => _maxPieceBytes = maxPieceBytes;

    /// <summary>How many full views were cut so far (each costs O(n) in leases).</summary>
    public long TransfersBuilt { get; private set; }

    /// <summary>
    /// The answer to <paramref name="request"/> on <paramref name="state"/>. Version 0 starts a
    /// transfer: the newest view already cut if it is at most
    /// <see cref="LeaseTransferConstants.ReuseTransferWithinVersions"/> versions old (never for an
    /// exact request), else a new cut of <paramref name="state"/>. Any other version is served only from a view cut at exactly that
    /// version; a version or piece not held is <see cref="LeaseSnapshotUnavailable"/>.
    /// </summary>
    public IOverlayMessage Serve(GetLeaseSnapshotPiece request, LeaseRegistryState state)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(state);
        var pieces = request.Version == 0 ? Current(state, reuse: !request.Exact) : _transfers.Find(t => t[0].Version == request.Version);
        if (pieces is null || request.Index < 0 || request.Index >= pieces.Count)
            return new LeaseSnapshotUnavailable(request.Version, request.Index);
        return pieces[request.Index];
    }

    /// <summary>Remembers an event the registry just applied. An event that does not follow the last
    /// one remembered (after a recovery, say) starts the memory over.</summary>
    public void Record(ILeaseEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (_recent.Last is { } last && last.Value.Version + 1 != e.Version)
            _recent.Clear();
        _recent.AddLast(e);
        while (_recent.Count > LeaseTransferConstants.RecentEventsKept)
            _recent.RemoveFirst();
    }

    /// <summary>The events after <paramref name="knownVersion"/> up to <paramref name="currentVersion"/>,
    /// in order, when every one of them is remembered; otherwise none (the subscriber then needs a
    /// full transfer). None as well when the subscriber is current or ahead.</summary>
    public IReadOnlyList<ILeaseEvent> Since(long knownVersion, long currentVersion)
    {
        if (knownVersion >= currentVersion || _recent.First is not { } first || _recent.Last!.Value.Version != currentVersion
            || first.Value.Version > knownVersion + 1)
            return [];
        return _recent.Where(e => e.Version > knownVersion).ToList();
    }

    private IReadOnlyList<LeaseSnapshotPiece> Current(LeaseRegistryState state, bool reuse)
    {
        if (_transfers.Count > 0 && (reuse || _transfers[^1][0].Version == state.Version))
        {
            var newest = _transfers[^1];
            var age = state.Version - newest[0].Version;
            // Reused only when the events since it can be caught up from memory afterwards.
            if (age == 0 || (age > 0 && age <= LeaseTransferConstants.ReuseTransferWithinVersions
                                     && Since(newest[0].Version, state.Version).Count == age))
                return newest;
        }
        var pieces = LeaseSnapshotPieces.Cut(state.Version, state.Network, state.Leases, _maxPieceBytes);
        TransfersBuilt++;
        _transfers.RemoveAll(t => t[0].Version == state.Version);
        _transfers.Add(pieces);
        if (_transfers.Count > LeaseTransferConstants.MaxCachedTransfers)
            _transfers.RemoveAt(0);
        return pieces;
    }
}
