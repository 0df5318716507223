namespace Overlay.Node.Dataplane;

/// <summary>
/// Decides the scheduling policy of a UDP-to-TUN pump under <see cref="PumpScheduling.Adaptive"/> from
/// how many datagrams its receive calls return. Sparse traffic (ping, request/response: one datagram per
/// call) keeps SCHED_BATCH, which keeps round trips short on a busy CPU; a receive call of at least
/// <see cref="DataplaneConstants.ReceiveBurstDatagrams"/> datagrams means a stream is arriving faster than
/// the pump runs, and the pump switches to SCHED_OTHER so that it wakes promptly and hands the
/// application smaller, more frequent batches (an unpaced UDP stream otherwise loses most of what one
/// late write delivers at the application's socket). It switches back after
/// <see cref="DataplaneConstants.ReceiveQuietCalls"/> calls in a row below the burst size, so a stream
/// whose prompt receive calls come back smaller does not flap. Pure: the pump applies the policy.
/// Not thread-safe: one pump thread owns it.
/// </summary>
public sealed class ReceiveSchedulingGovernor
{
    private int _quietCalls;

    /// <summary>The policy the pump should run with now: <see cref="PumpScheduling.Batch"/> at first.</summary>
    public PumpScheduling Current { get; private set; } = PumpScheduling.Batch;

    /// <summary>Records one receive call that returned <paramref name="datagrams"/> datagrams; true when
    /// <see cref="Current"/> changed (the pump applies it to its thread).</summary>
    public bool Observe(int datagrams)
    {
        if (datagrams >= DataplaneConstants.ReceiveBurstDatagrams)
        {
            _quietCalls = 0;
            if (Current == PumpScheduling.Normal)
                return false;
            Current = PumpScheduling.Normal;
            return true;
        }
        if (Current == PumpScheduling.Batch || ++_quietCalls < DataplaneConstants.ReceiveQuietCalls)
            return false;
        _quietCalls = 0;
        Current = PumpScheduling.Batch;
        return true;
    }
}
