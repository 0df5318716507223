using Overlay.Node.Tun;
using Overlay.Node.Udp;
using static Overlay.Node.Dataplane.DataplaneConstants;

namespace Overlay.Node.Dataplane;

/// <summary>
/// TUN to UDP: reads each packet the kernel routed into the TUN, validates it, looks its destination
/// up in the current forwarding table and sends it unchanged as one datagram to the owning peer.
/// A destination no peer owns gets an ICMP net unreachable written back into the TUN (flannel's
/// behaviour). Every drop is counted in <see cref="DropCounters"/>, every send in the peer's counters.
/// Ownership and threading: <see cref="Run"/> runs on one dedicated thread and owns the packet
/// buffer and the reply buffer; it allocates nothing per packet. The table is re-read per packet, so
/// route changes apply to the next packet.
/// </summary>
public sealed class InsidePump
{
    private readonly ITunDevice _tun;
    private readonly IUdpTransport _udp;
    private readonly ForwardingTableRef _table;
    private readonly DropCounters _drops;
    private readonly uint _tunAddress;
    private readonly byte[] _buffer = GC.AllocateArray<byte>(PacketBufferSize, pinned: true);
    private readonly byte[] _reply = new byte[MaxIcmpReplyLength];

    /// <summary>Creates the pump; <paramref name="tunAddress"/> (host order, the node's &lt;subnet&gt;.0)
    /// is the source of the ICMP replies.</summary>
    public InsidePump(ITunDevice tun, IUdpTransport udp, ForwardingTableRef table, DropCounters drops, uint tunAddress)
    {
        _tun = tun;
        _udp = udp;
        _table = table;
        _drops = drops;
        _tunAddress = tunAddress;
    }

    /// <summary>Pumps until the TUN is closed (returns normally); device failures propagate.</summary>
    public void Run()
    {
        while (true)
        {
            var length = _tun.Read(_buffer);
            if (length <= 0)
                return;
            Process(_buffer.AsSpan(0, length));
        }
    }

    /// <summary>Handles one packet read from the TUN. Never throws for any input; may throw only when
    /// the TUN itself fails while the ICMP reply is written.</summary>
    public void Process(ReadOnlySpan<byte> packet)
    {
        if (!OutboundFilter.Accept(packet, _tun.Mtu, out var ip, out var reason))
        {
            _drops.Add(reason);
            return;
        }

        var peer = _table.Current.Lookup(ip.Destination);
        if (peer is null)
        {
            _drops.Add(DropReason.NoRoute);
            if (IcmpUnreachable.ShouldReply(ip))
            {
                var replyLength = IcmpUnreachable.Write(ip, _tunAddress, _reply);
                _tun.Write(_reply.AsSpan(0, replyLength));
            }
            return;
        }

        if (_udp.Send(packet, peer.SocketAddress))
            peer.Counters.AddTx(1, packet.Length);
        else
            _drops.Add(DropReason.SendError);
    }
}
