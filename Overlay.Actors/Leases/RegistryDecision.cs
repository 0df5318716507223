namespace Overlay.Actors.Leases;

/// <summary>
/// What the lease registry decided for one command or timer tick: the reply for the sender (null
/// for timer ticks and when there is none) and the events to persist, with contiguous versions
/// starting at the state's Version + 1. The caller persists every event, applies them in order with
/// <see cref="LeaseRegistryState.Apply"/>, publishes them, and only then sends the reply.
/// </summary>
/// <param name="Reply">The answer to the sender, or null.</param>
/// <param name="Events">The events to persist, possibly none.</param>
public sealed record RegistryDecision(IOverlayMessage? Reply, IReadOnlyList<ILeaseEvent> Events);
