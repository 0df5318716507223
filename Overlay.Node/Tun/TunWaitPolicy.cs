namespace Overlay.Node.Tun;

/// <summary>
/// Whether a blocking TUN read should sleep in poll(2) before it tries the read. The TUN-to-UDP pump
/// drains the ring after each blocking read (<see cref="ITunDevice.TryRead"/>) until a read finds it
/// empty; the next blocking read then either reads optimistically (one read that may fail with EAGAIN)
/// or polls first (no wasted read when the ring is still empty, but a wasted poll when a packet came
/// in between).
/// Contract: poll first only when the drain that just ended found nothing behind the blocking read (a
/// lone packet: ping, a request/response exchange), so an idle wake costs no extra system call; after
/// a drain that took packets, a stream is under way and the next packet is usually queued already, so
/// read first. Measured on the pod UDP flood (bench/README.md, "UDP bulk"): the pump polled once per
/// ~3.4 packets and every poll returned at once.
/// </summary>
public static class TunWaitPolicy
{
    /// <summary>True when the next blocking read should poll before reading: the last drain ended on
    /// an empty ring (<paramref name="drainEndedEmpty"/>) after taking no packet
    /// (<paramref name="packetsDrained"/> == 0).</summary>
    public static bool PollFirst(bool drainEndedEmpty, int packetsDrained) => drainEndedEmpty && packetsDrained == 0;
}
