using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Overlay.Actors.Addressing;

namespace Overlay.Node.Udp;

/// <summary>The sender of a received datagram: IPv4 address (host order) and port. A value type, so
/// receiving allocates nothing.</summary>
/// <param name="Address">The outer source address, host order.</param>
/// <param name="Port">The outer source port.</param>
public readonly record struct UdpSource(uint Address, int Port)
{
    /// <summary>The source as an endpoint (allocates; not for the packet path).</summary>
    public IPEndPoint ToEndPoint() => new(Ipv4.ToAddress(Address), Port);

    /// <inheritdoc />
    public override string ToString() => $"{Ipv4.Format(Address)}:{Port}";

    /// <summary>Reads an IPv4 socket address without allocating: the port is at bytes 2..3 and the
    /// address at 4..7, both big-endian, in the sockaddr_in layout .NET keeps. False for other families.</summary>
    public static bool TryRead(SocketAddress socketAddress, out UdpSource source)
    {
        source = default;
        if (socketAddress.Family != AddressFamily.InterNetwork || socketAddress.Size < 8)
            return false;
        var bytes = socketAddress.Buffer.Span;
        source = new UdpSource(BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]), BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]));
        return true;
    }
}
