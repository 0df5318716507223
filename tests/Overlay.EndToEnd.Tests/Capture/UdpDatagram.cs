using System.Buffers.Binary;
using System.Net;

namespace Overlay.EndToEnd.Tests.Capture;

/// <summary>
/// An IPv4/UDP datagram taken apart: the outer header fields the wire-format test asserts on and
/// the UDP payload (for the overlay, the inner IPv4 packet).
/// </summary>
public sealed record UdpDatagram(
    IPAddress Source,
    IPAddress Destination,
    int IpTotalLength,
    bool MoreFragments,
    int FragmentOffset,
    int SourcePort,
    int DestinationPort,
    int UdpLength,
    byte[] Payload)
{
    private const byte UdpProtocol = 17;
    private const int UdpHeaderLength = 8;

    /// <summary>Parses <paramref name="packet"/>; null when it is not a complete, unfragmented-start
    /// IPv4 UDP datagram (so callers can skip other traffic).</summary>
    public static UdpDatagram? TryParse(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 20 || packet[0] >> 4 != 4)
        {
            return null;
        }

        int ihl = (packet[0] & 0x0F) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (ihl < 20 || totalLength < ihl || totalLength > packet.Length || packet[9] != UdpProtocol)
        {
            return null;
        }

        ushort flagsAndOffset = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        bool moreFragments = (flagsAndOffset & 0x2000) != 0;
        int fragmentOffset = (flagsAndOffset & 0x1FFF) * 8;
        if (fragmentOffset != 0 || totalLength - ihl < UdpHeaderLength)
        {
            return null;
        }

        var udp = packet[ihl..totalLength];
        int udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
        int payloadLength = Math.Min(udpLength, udp.Length) - UdpHeaderLength;
        return new UdpDatagram(
            new IPAddress(packet[12..16]),
            new IPAddress(packet[16..20]),
            totalLength,
            moreFragments,
            fragmentOffset,
            BinaryPrimitives.ReadUInt16BigEndian(udp),
            BinaryPrimitives.ReadUInt16BigEndian(udp[2..]),
            udpLength,
            udp.Slice(UdpHeaderLength, Math.Max(0, payloadLength)).ToArray());
    }
}
