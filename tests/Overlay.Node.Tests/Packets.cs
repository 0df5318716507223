using System.Buffers.Binary;
using Overlay.Actors.Addressing;

namespace Overlay.Node.Tests;

/// <summary>Builds IPv4 packets for tests, checksummed with the independent <see cref="Rfc1071"/>.</summary>
internal static class Packets
{
    public const byte ProtoTcp = 6;
    public const byte ProtoUdp = 17;
    public const byte ProtoIcmp = 1;

    public static uint A(string dotted) =>
        Overlay.Actors.Addressing.Ipv4.TryParse(dotted, out var value) ? value : throw new ArgumentException(dotted);

    /// <summary>An IPv4 packet from <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public static byte[] Ipv4(string source, string destination, byte protocol = ProtoUdp, byte[]? payload = null,
        byte ttl = 64, ushort id = 0x1234, ushort flagsAndOffset = 0x4000, int optionWords = 0)
    {
        payload ??= [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        var headerLength = 20 + optionWords * 4;
        var packet = new byte[headerLength + payload.Length];
        packet[0] = (byte)(0x40 | headerLength / 4);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), flagsAndOffset);
        packet[8] = ttl;
        packet[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12), A(source));
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(16), A(destination));
        for (var i = 20; i < headerLength; i++)
            packet[i] = 1; // NOP options
        FixChecksum(packet);
        payload.CopyTo(packet, headerLength);
        return packet;
    }

    /// <summary>An ICMP message of <paramref name="type"/> inside IPv4.</summary>
    public static byte[] IcmpPacket(string source, string destination, byte type, byte code = 0, ushort flagsAndOffset = 0) =>
        Ipv4(source, destination, ProtoIcmp, [type, code, 0, 0, 0, 1, 0, 1, 0xAA, 0xBB], flagsAndOffset: flagsAndOffset);

    /// <summary>Recomputes the header checksum in place.</summary>
    public static void FixChecksum(byte[] packet)
    {
        var headerLength = (packet[0] & 0x0F) * 4;
        packet[10] = packet[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Rfc1071.Checksum(packet.AsSpan(0, headerLength)));
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "").Replace("\n", ""));
}
