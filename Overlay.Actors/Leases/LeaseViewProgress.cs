namespace Overlay.Actors.Leases;

/// <summary>
/// Where a subscriber stands in getting the registry's view: whether it holds a complete view yet
/// (it keeps holding one while a later transfer runs), and the transfer under way if any.
/// Pure; <see cref="Describe"/> is the text readiness reports.
/// </summary>
/// <param name="HasView">A complete view was adopted at least once.</param>
/// <param name="ViewVersion">The version of the view held (0 without one).</param>
/// <param name="TransferVersion">The registry version being transferred; 0 when none runs or the
/// first piece has not come yet.</param>
/// <param name="PiecesReceived">Pieces of the running transfer received so far.</param>
/// <param name="PieceCount">Pieces in the running transfer; 0 until the first piece came.</param>
public sealed record LeaseViewProgress(bool HasView, long ViewVersion, long TransferVersion, int PiecesReceived, int PieceCount)
{
    /// <summary>Before anything happened.</summary>
    public static readonly LeaseViewProgress None = new(false, 0, 0, 0, 0);

    /// <summary>"view complete at registry version V", "view incomplete: piece k of n of registry
    /// version V" (k is the piece awaited, 1-based) or "no view yet".</summary>
    public string Describe() =>
        HasView ? $"view complete at registry version {ViewVersion}"
        : TransferVersion != 0 && PieceCount > 0
            ? $"view incomplete: piece {Math.Min(PiecesReceived + 1, PieceCount)} of {PieceCount} of registry version {TransferVersion}"
            : "no view yet";
}
