namespace Overlay.Actors.Node;

/// <summary>
/// Traffic counters of one peer. Made by the node actor (or kept from the route an earlier
/// control-plane incarnation installed), handed to the peer's PeerRouteActor and with the route to
/// the data path, and bumped by the pump threads. Thread-safety: the Add methods may be
/// called from any thread concurrently; readers see each field atomically but not the four as one.
/// </summary>
public sealed class PeerCounters
{
    private long _txPackets, _txBytes, _rxPackets, _rxBytes;

    /// <summary>Packets sent to this peer.</summary>
    public long TxPackets => Volatile.Read(ref _txPackets);
    /// <summary>Inner bytes sent to this peer.</summary>
    public long TxBytes => Volatile.Read(ref _txBytes);
    /// <summary>Packets received from this peer and written to the TUN.</summary>
    public long RxPackets => Volatile.Read(ref _rxPackets);
    /// <summary>Inner bytes received from this peer and written to the TUN.</summary>
    public long RxBytes => Volatile.Read(ref _rxBytes);

    /// <summary>Counts <paramref name="packets"/> sent, <paramref name="bytes"/> in all.</summary>
    public void AddTx(long packets, long bytes)
    {
        Interlocked.Add(ref _txPackets, packets);
        Interlocked.Add(ref _txBytes, bytes);
    }

    /// <summary>Counts <paramref name="packets"/> received, <paramref name="bytes"/> in all.</summary>
    public void AddRx(long packets, long bytes)
    {
        Interlocked.Add(ref _rxPackets, packets);
        Interlocked.Add(ref _rxBytes, bytes);
    }
}
