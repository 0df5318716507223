using Overlay.Actors.Addressing;
using Overlay.Node.Tun;
using Overlay.Node.Udp;
using static Overlay.Node.Dataplane.DataplaneConstants;

namespace Overlay.Node.Dataplane;

/// <summary>
/// UDP to TUN, for a transport and device with or without offloads: one receive call returns a batch
/// (<see cref="IUdpTransport.ReceiveBatches"/>: single datagrams, or with UDP_GRO slices of datagrams
/// of one source, all segment-size long but the last). Each datagram is written into the TUN only when
/// it is one well-formed IPv4 packet (version 4, sane header, correct header checksum, total length
/// equal to the datagram length) whose destination lies in this node's subnet and, with the source
/// check on, whose outer source address is the public IP of the peer lease owning the inner source
/// (<see cref="InboundFilter"/>). Everything else is dropped and counted by reason; no datagram content
/// can make it throw. The accepted packets of one receive call go to the TUN as one batch
/// (<see cref="ITunDevice.WriteBatch"/>: a device with offloads merges TCP and UDP runs into GSO
/// writes, a plain one writes them one by one); nothing is held across receive calls, so latency is
/// unchanged. Ownership and threading: <see cref="Run"/> runs on one dedicated thread and owns every
/// buffer; nothing is allocated per datagram.
/// </summary>
public sealed unsafe class OutsidePump
{
    // Packets handed to the TUN in one batch at most: a full receive call of GRO batches (the kernel
    // merges at most 64 datagrams into one); a call with more is written in several batches.
    private const int MaxBatchPackets = ReceiveBatchSlots * UdpSegmentMaxDatagrams;

    private readonly IUdpTransport _udp;
    private readonly ITunDevice _tun;
    private readonly ForwardingTableRef _table;
    private readonly DropCounters _drops;
    private readonly Ipv4Subnet _localSubnet;
    private readonly bool _sourceCheck;
    private readonly PinnedBuffer _buffer = new(ReceiveBatchSlots * PacketBufferSize);
    private readonly IoVector[] _packets = GC.AllocateArray<IoVector>(MaxBatchPackets, pinned: true);
    private readonly ForwardingEntry?[] _peers = new ForwardingEntry?[MaxBatchPackets];
    private readonly bool[] _written = new bool[MaxBatchPackets];
    private readonly ReceivedBatch[] _batches = new ReceivedBatch[ReceiveBatchSlots];
    private readonly ReceiveSchedulingGovernor? _governor;
    private readonly Func<PumpScheduling, string?>? _applyScheduling;
    private int _count;
    private int _callDatagrams;

    /// <summary>Creates the pump for a node owning <paramref name="localSubnet"/>. With
    /// <paramref name="sourceCheck"/> false, any outer source is accepted (flannel's behaviour). With a
    /// <paramref name="governor"/>, <see cref="Run"/> reports the datagrams of each receive call to it and
    /// applies each policy change to its own thread through <paramref name="applyScheduling"/> (a refusal
    /// is ignored: the pump keeps running with the policy it has).</summary>
    public OutsidePump(IUdpTransport udp, ITunDevice tun, ForwardingTableRef table, DropCounters drops,
        Ipv4Subnet localSubnet, bool sourceCheck, OffloadCounters? counters = null,
        ReceiveSchedulingGovernor? governor = null, Func<PumpScheduling, string?>? applyScheduling = null)
    {
        _governor = governor;
        _applyScheduling = applyScheduling;
        Counters = counters ?? new OffloadCounters();
        _udp = udp;
        _tun = tun;
        _table = table;
        _drops = drops;
        _localSubnet = localSubnet;
        _sourceCheck = sourceCheck;
    }

    /// <summary>What this pump did (receive batches, datagrams, TUN writes); written only by the pump thread.</summary>
    public OffloadCounters Counters { get; }

    /// <summary>Pumps until the socket is closed (returns normally); socket and device failures propagate.</summary>
    public void Run()
    {
        while (true)
        {
            var count = _udp.ReceiveBatches(_buffer.Span, PacketBufferSize, _batches);
            if (count == 0)
                return;
            _callDatagrams = 0;
            // A run may continue into the next batch of the same call (a flow's datagrams that GRO
            // cut into two batches): every slot stays valid until the whole call is written.
            for (var i = 0; i < count; i++)
                ProcessBuffer(_batches[i].Offset, _batches[i].Length, _batches[i].SegmentSize, _batches[i].Source);
            Flush();
            if (_governor is not null && _governor.Observe(_callDatagrams))
                _applyScheduling?.Invoke(_governor.Current);
        }
    }

    /// <summary>Handles one received datagram from <paramref name="source"/> (copied into the pump's
    /// buffer first). For tests; never throws for any datagram content; may throw only when the TUN fails.</summary>
    public void Process(ReadOnlySpan<byte> datagram, UdpSource source) => Process(datagram, datagram.Length, source);

    /// <summary>Handles one received batch (copied into the pump's buffer first): datagrams of
    /// <paramref name="segmentSize"/> bytes, the last possibly shorter. For tests; never throws for any content.</summary>
    public void Process(ReadOnlySpan<byte> batch, int segmentSize, UdpSource source)
    {
        var length = Math.Min(batch.Length, PacketBufferSize);
        batch[..length].CopyTo(_buffer.Span);
        ProcessBuffer(0, length, segmentSize, source);
        Flush();
    }

    /// <summary>Handles several received batches as one receive call returns them (each copied into its
    /// own slot first), so a run may span them. For tests; never throws for any content.</summary>
    public void Process(IReadOnlyList<(byte[] Batch, int SegmentSize, UdpSource Source)> batches)
    {
        var count = Math.Min(batches.Count, ReceiveBatchSlots);
        for (var i = 0; i < count; i++)
        {
            var (batch, segmentSize, source) = batches[i];
            var length = Math.Min(batch.Length, PacketBufferSize);
            batch.AsSpan(0, length).CopyTo(_buffer.Span[(i * PacketBufferSize)..]);
            ProcessBuffer(i * PacketBufferSize, length, segmentSize, source);
        }
        Flush();
    }

    // One receive batch: length bytes at start of _buffer. Accepted datagrams join the pending TUN batch,
    // written after the last receive batch of the call (or when it is full).
    private void ProcessBuffer(int start, int length, int segmentSize, UdpSource source)
    {
        Counters.BatchReceived();
        if (segmentSize <= 0 || segmentSize > length)
            segmentSize = length;
        if (length == 0)
        {
            Counters.DatagramReceived();
            _drops.Add(DropReason.NotIpv4);
            return;
        }
        var table = _table.Current;
        var buffer = _buffer.Span;
        var end = start + length;
        for (var offset = start; offset < end; offset += segmentSize)
        {
            Counters.DatagramReceived();
            _callDatagrams++;
            var size = Math.Min(segmentSize, end - offset);
            if (!InboundFilter.Accept(buffer.Slice(offset, size), source, table, _localSubnet, _sourceCheck, out var reason, out var peer))
            {
                _drops.Add(reason);
                continue;
            }
            if (_count == MaxBatchPackets)
                Flush();
            _packets[_count] = new IoVector(_buffer.Pointer + offset, size);
            _peers[_count] = peer;
            _count++;
        }
    }

    private void Flush()
    {
        var count = _count;
        if (count == 0)
            return;
        _count = 0;
        var result = _tun.WriteBatch(_packets.AsSpan(0, count), _written.AsSpan(0, count));
        Counters.TunWritten(result);
        // One counter update per run of packets to the same peer (interlocked adds are not free).
        ForwardingEntry? peer = null;
        long packets = 0, bytes = 0;
        for (var i = 0; i < count; i++)
        {
            if (!_written[i])
            {
                _drops.Add(DropReason.TunWriteError);
                continue;
            }
            if (!ReferenceEquals(_peers[i], peer))
            {
                peer?.Counters.AddRx(packets, bytes);
                peer = _peers[i];
                packets = bytes = 0;
            }
            packets++;
            bytes += (long)_packets[i].Length;
        }
        peer?.Counters.AddRx(packets, bytes);
        _peers.AsSpan(0, count).Clear();
    }
}
