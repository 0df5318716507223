using System.Buffers.Binary;
using Overlay.Node.Tun;
using static Overlay.Node.Tests.Packets;

namespace Overlay.Node.Tests;

/// <summary>Builds TCP/IPv4 segments and TUN super-packets for the offload tests; checksums come from
/// the independent <see cref="Rfc1071"/>.</summary>
internal static class TcpPackets
{
    public const byte Fin = 0x01, Syn = 0x02, Psh = 0x08, Ack = 0x10, Cwr = 0x80;

    /// <summary>A TCP segment with a correct TCP checksum (unless <paramref name="pseudoOnly"/>: then the
    /// checksum field holds the folded pseudo-header sum, as the kernel hands out NEEDS_CSUM packets).</summary>
    public static byte[] Segment(string source, string destination, byte[] payload, uint seq = 1000, byte flags = Ack,
        int ipOptionWords = 0, int tcpOptionWords = 0, ushort id = 0x1234, uint ack = 777, ushort window = 500,
        bool pseudoOnly = false, byte tos = 0)
    {
        var tcpHeader = 20 + tcpOptionWords * 4;
        var tcp = new byte[tcpHeader + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(2), 5201);
        BinaryPrimitives.WriteUInt32BigEndian(tcp.AsSpan(4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp.AsSpan(8), ack);
        tcp[12] = (byte)(tcpHeader / 4 << 4);
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(14), window);
        for (var i = 20; i < tcpHeader; i++)
            tcp[i] = (byte)(i == tcpHeader - 1 ? 0 : 1); // NOPs then EOL
        payload.CopyTo(tcp, tcpHeader);
        var packet = Ipv4(source, destination, ProtoTcp, tcp, id: id, optionWords: ipOptionWords);
        packet[1] = tos;
        FixChecksum(packet);
        var ipHeader = 20 + ipOptionWords * 4;
        var sum = PseudoSum(packet, ipHeader, tcp.Length);
        ushort check;
        if (pseudoOnly)
            check = (ushort)Fold(sum);
        else
        {
            for (var i = 0; i < tcp.Length; i += 2)
                sum += (uint)(tcp[i] << 8 | (i + 1 < tcp.Length ? tcp[i + 1] : 0));
            check = (ushort)~Fold(sum);
        }
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(ipHeader + 16), check);
        return packet;
    }

    /// <summary>True when the TCP checksum of <paramref name="packet"/> verifies (naive reference).</summary>
    public static bool TcpChecksumVerifies(byte[] packet)
    {
        var ipHeader = (packet[0] & 0x0F) * 4;
        var length = packet.Length - ipHeader;
        var sum = PseudoSum(packet, ipHeader, length);
        for (var i = 0; i < length; i += 2)
            sum += (uint)(packet[ipHeader + i] << 8 | (i + 1 < length ? packet[ipHeader + i + 1] : 0));
        return (ushort)~Fold(sum) == 0;
    }

    /// <summary>The folded pseudo-header sum for a TCP segment of <paramref name="tcpLength"/> bytes of <paramref name="packet"/>.</summary>
    public static ushort PseudoHeader(byte[] packet, int tcpLength) => (ushort)Fold(PseudoSum(packet, (packet[0] & 0x0F) * 4, tcpLength));

    private static ulong PseudoSum(byte[] packet, int ipHeader, int tcpLength)
    {
        ulong sum = 0;
        for (var i = 12; i < 20; i += 2)
            sum += (uint)(packet[i] << 8 | packet[i + 1]);
        return sum + 6 + (ulong)tcpLength;
    }

    private static ulong Fold(ulong sum)
    {
        while (sum >> 16 != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return sum;
    }

    /// <summary>What a TSO read from the TUN looks like: virtio header (NEEDS_CSUM, GSO_TCPV4) + a super-packet.</summary>
    public static byte[] SuperPacket(byte[] superPacket, int mss)
    {
        var ipHeader = (superPacket[0] & 0x0F) * 4;
        var header = ipHeader + (superPacket[ipHeader + 12] >> 4) * 4;
        var frame = new byte[VirtioNetHeader.Size + superPacket.Length];
        new VirtioNetHeader(VirtioNetHeader.FlagNeedsCsum, VirtioNetHeader.GsoTcpV4, (ushort)header, (ushort)mss,
            (ushort)ipHeader, VirtioNetHeader.TcpCsumOffset).Write(frame);
        superPacket.CopyTo(frame, VirtioNetHeader.Size);
        return frame;
    }

    /// <summary>Deterministic pseudo-random payload.</summary>
    public static byte[] Payload(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
