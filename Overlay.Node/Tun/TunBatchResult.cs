namespace Overlay.Node.Tun;

/// <summary>
/// What one <see cref="ITunDevice.WriteBatch"/> did: <paramref name="Written"/> packets the kernel took,
/// in <paramref name="CoalescedWrites"/> GSO writes (runs merged into one super-packet) and
/// <paramref name="SingleWrites"/> writes of one packet each.
/// </summary>
public readonly record struct TunBatchResult(int Written, int CoalescedWrites, int SingleWrites);
