namespace Overlay.Node.Dataplane;

/// <summary>
/// What one pair of pumps did with offloads (the data path sums them only when offloads are on), for the averages an operator checks first when throughput
/// drops: segments per super-packet read from the TUN (<see cref="SegmentsSent"/> /
/// <see cref="SuperPackets"/>), datagrams per UDP send, datagrams per GRO batch and per TUN write.
/// Thread-safety: each field has one writer, the pump thread that owns it (plain increments, no
/// atomics on the hot path); readers on other threads see each 64-bit value whole and at most a
/// little stale.
/// </summary>
public sealed class OffloadCounters
{
    private long _superPackets;
    private long _segmentsSent;
    private long _udpSends;
    private long _groBatches;
    private long _datagramsReceived;
    private long _coalescedWrites;
    private long _singleWrites;

    /// <summary>TSO super-packets read from the TUN and split (inside pump).</summary>
    public long SuperPackets => Volatile.Read(ref _superPackets);

    /// <summary>Datagrams sent by the inside pump's segmented sends.</summary>
    public long SegmentsSent => Volatile.Read(ref _segmentsSent);

    /// <summary>sendmsg calls the inside pump made for segmented sends.</summary>
    public long UdpSends => Volatile.Read(ref _udpSends);

    /// <summary>Receive batches taken by the outside pump (one datagram, or a UDP GRO batch of one source).</summary>
    public long GroBatches => Volatile.Read(ref _groBatches);

    /// <summary>Datagrams in those batches.</summary>
    public long DatagramsReceived => Volatile.Read(ref _datagramsReceived);

    /// <summary>GSO_TCPV4 writes of coalesced segments to the TUN.</summary>
    public long CoalescedWrites => Volatile.Read(ref _coalescedWrites);

    /// <summary>Writes of one packet to the TUN.</summary>
    public long SingleWrites => Volatile.Read(ref _singleWrites);

    internal void SuperPacketRead() => _superPackets++;

    internal void UdpSent(int segments)
    {
        _udpSends++;
        _segmentsSent += segments;
    }

    internal void BatchReceived() => _groBatches++;

    internal void DatagramReceived() => _datagramsReceived++;

    internal void TunWritten(in Tun.TunBatchResult result)
    {
        _coalescedWrites += result.CoalescedWrites;
        _singleWrites += result.SingleWrites;
    }

    /// <summary>The field-by-field sum of <paramref name="all"/> (e.g. every queue's pumps).</summary>
    public static OffloadCounters Sum(IEnumerable<OffloadCounters> all)
    {
        var sum = new OffloadCounters();
        foreach (var c in all)
        {
            sum._superPackets += c.SuperPackets;
            sum._segmentsSent += c.SegmentsSent;
            sum._udpSends += c.UdpSends;
            sum._groBatches += c.GroBatches;
            sum._datagramsReceived += c.DatagramsReceived;
            sum._coalescedWrites += c.CoalescedWrites;
            sum._singleWrites += c.SingleWrites;
        }
        return sum;
    }
}
