namespace Overlay.Actors.Leases;

/// <summary>
/// The numbers behind moving the registry's view to a subscriber: a full view travels
/// as a sequence of pieces, each far below the remoting frame, and a subscriber that is only a
/// few versions behind is caught up from the registry's recent events instead.
/// </summary>
public static class LeaseTransferConstants
{
    /// <summary>Akka.Remote's default maximum frame (akka.remote.dot-netty.tcp.maximum-frame-size,
    /// 128,000 bytes): a message whose serialized payload exceeds it is dropped with an
    /// OversizedPayloadException. A whole LeaseSnapshot passed it at about 700 leases.</summary>
    public const int RemotingFrameBytes = 128_000;

    /// <summary>The most bytes one serialized <see cref="LeaseSnapshotPiece"/> may take: half the
    /// frame, so the envelope (recipient and sender paths, manifest) and a future lease field or two
    /// still fit, and one piece never holds the connection long.
    /// At about 60 bytes per lease this is about 1,000 leases per piece.</summary>
    public const int MaxPieceBytes = 64 * 1024;

    /// <summary>Of <see cref="MaxPieceBytes"/>, the bytes kept for the piece header and the network
    /// config (its JSON is a few hundred bytes); the rest is filled with leases.</summary>
    public const int PieceHeaderReserveBytes = 4 * 1024;

    /// <summary>How many full transfers (one per registry version) the registry keeps ready. A
    /// transfer in progress reads from an immutable copy at its version; it is dropped only after
    /// this many newer ones were built, and its subscriber then starts over.</summary>
    public const int MaxCachedTransfers = 4;

    /// <summary>How many of its most recent events the registry keeps in memory to catch up a
    /// subscriber that is a little behind (a lost publication, the subscription window), so that
    /// such a subscriber gets a handful of events instead of the whole view.</summary>
    public const int RecentEventsKept = 1024;

    /// <summary>A request for a new transfer is served from the newest transfer already built if it
    /// is at most this many versions old (the subscriber then catches up from the recent events).
    /// Without it, a registry that changes faster than a transfer takes would re-encode the whole
    /// view for nearly every joining node. Kept well below <see cref="RecentEventsKept"/> so the
    /// catch-up that follows can be served from memory.</summary>
    public const int ReuseTransferWithinVersions = 256;

    /// <summary>How often a subscriber whose gap probe found the registry at its own version probes
    /// again before it drops the events it saw from beyond (they are either still on their way to
    /// the registry's answer or from a history the registry no longer has).</summary>
    public const int MaxRepeatedGapProbes = 3;
}
