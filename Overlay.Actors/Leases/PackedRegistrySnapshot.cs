namespace Overlay.Actors.Leases;

/// <summary>
/// What the registry saves in the snapshot store: the same <see cref="RegistrySnapshot"/>,
/// wrapped so that it gets its own manifest ("S-RB") and a compact binary encoding. The JSON
/// encoding ("S-RS") of 65,536 leases was 13.6 MB and took over a second to read back; the packed
/// one is a fraction of both. Snapshots saved as a plain RegistrySnapshot ("S-RS") are still read.
/// A registry older than this change cannot read an "S-RB" snapshot: to go back, delete the
/// registry's snapshot rows (the journal is never truncated, so recovery replays it all).
/// </summary>
public sealed record PackedRegistrySnapshot(RegistrySnapshot Snapshot) : IOverlayMessage;
