using Overlay.Actors.Addressing;
using Overlay.Node.Tun;
using Overlay.Node.Udp;
using static Overlay.Node.Dataplane.DataplaneConstants;

namespace Overlay.Node.Dataplane;

/// <summary>
/// UDP to TUN: receives each datagram and writes it into the TUN only when it is one well-formed
/// IPv4 packet (version 4, sane header, correct header checksum, total length equal to the datagram
/// length) whose destination lies in this node's subnet and, with the source check on, whose outer
/// source address is the public IP of the peer lease owning the inner source. Everything else is
/// dropped and counted by reason; no datagram content can make it throw. Ownership and threading:
/// <see cref="Run"/> runs on one dedicated thread and owns the receive buffer; nothing is allocated
/// per datagram.
/// </summary>
public sealed class OutsidePump
{
    private readonly IUdpTransport _udp;
    private readonly ITunDevice _tun;
    private readonly ForwardingTableRef _table;
    private readonly DropCounters _drops;
    private readonly Ipv4Subnet _localSubnet;
    private readonly bool _sourceCheck;
    private readonly byte[] _buffer = GC.AllocateArray<byte>(PacketBufferSize, pinned: true);

    /// <summary>Creates the pump for a node owning <paramref name="localSubnet"/>. With
    /// <paramref name="sourceCheck"/> false, any outer source is accepted (flannel's behaviour).</summary>
    public OutsidePump(IUdpTransport udp, ITunDevice tun, ForwardingTableRef table, DropCounters drops,
        Ipv4Subnet localSubnet, bool sourceCheck)
    {
        _udp = udp;
        _tun = tun;
        _table = table;
        _drops = drops;
        _localSubnet = localSubnet;
        _sourceCheck = sourceCheck;
    }

    /// <summary>Pumps until the socket is closed (returns normally); socket and device failures propagate.</summary>
    public void Run()
    {
        while (_udp.TryReceive(_buffer, out var length, out var source))
            Process(_buffer.AsSpan(0, length), source);
    }

    /// <summary>Handles one received datagram from <paramref name="source"/>. Never throws for any
    /// datagram content; may throw only when the TUN itself fails.</summary>
    public void Process(ReadOnlySpan<byte> datagram, UdpSource source)
    {
        if (!InboundFilter.Accept(datagram, source, _table.Current, _localSubnet, _sourceCheck, out var reason, out var peer))
        {
            _drops.Add(reason);
            return;
        }

        if (_tun.Write(datagram))
            peer?.Counters.AddRx(1, datagram.Length);
        else
            _drops.Add(DropReason.TunWriteError);
    }
}
