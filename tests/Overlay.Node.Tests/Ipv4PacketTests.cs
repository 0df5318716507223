using Overlay.Node.Dataplane;
using static Overlay.Node.Tests.Packets;

namespace Overlay.Node.Tests;

public class Ipv4PacketTests
{
    [Fact]
    public void Parses_a_valid_packet_without_copying()
    {
        var bytes = Ipv4("10.244.1.5", "10.244.2.9", ProtoTcp, flagsAndOffset: 0x2000 | 7, optionWords: 2);
        Assert.Equal(Ipv4Packet.ParseError.None, Ipv4Packet.TryParse(bytes, out var packet));
        Assert.Equal(28, packet.HeaderLength);
        Assert.Equal(bytes.Length, packet.Length);
        Assert.Equal(A("10.244.1.5"), packet.Source);
        Assert.Equal(A("10.244.2.9"), packet.Destination);
        Assert.Equal(ProtoTcp, packet.Protocol);
        Assert.Equal(7, packet.FragmentOffset);
        Assert.True(packet.MoreFragments);
        Assert.True(packet.HasValidHeaderChecksum);
        Assert.Equal(12, packet.Payload.Length);
    }

    [Fact]
    public void Total_length_shorter_than_the_buffer_bounds_the_packet()
    {
        var bytes = Ipv4("10.244.1.5", "10.244.2.9").Concat(new byte[5]).ToArray();
        Assert.Equal(Ipv4Packet.ParseError.None, Ipv4Packet.TryParse(bytes, out var packet));
        Assert.Equal(bytes.Length - 5, packet.Length);
    }

    [Theory]
    [InlineData("", Ipv4Packet.ParseError.NotIpv4)]
    [InlineData("60000000", Ipv4Packet.ParseError.NotIpv4)] // IPv6
    [InlineData("45000014", Ipv4Packet.ParseError.Malformed)] // shorter than 20 bytes
    public void Rejects_short_or_foreign_buffers(string hex, Ipv4Packet.ParseError expected) =>
        Assert.Equal(expected, Ipv4Packet.TryParse(Hex(hex), out _));

    [Fact]
    public void Rejects_inconsistent_lengths()
    {
        var ihlTooSmall = Ipv4("10.0.0.1", "10.0.0.2");
        ihlTooSmall[0] = 0x44;
        var headerPastBuffer = Ipv4("10.0.0.1", "10.0.0.2", payload: []);
        headerPastBuffer[0] = 0x46;
        var totalTooLong = Ipv4("10.0.0.1", "10.0.0.2");
        totalTooLong[3]++;
        var totalShorterThanHeader = Ipv4("10.0.0.1", "10.0.0.2", optionWords: 1);
        totalShorterThanHeader[2] = 0;
        totalShorterThanHeader[3] = 20;

        foreach (var bytes in new[] { ihlTooSmall, headerPastBuffer, totalTooLong, totalShorterThanHeader })
            Assert.Equal(Ipv4Packet.ParseError.Malformed, Ipv4Packet.TryParse(bytes, out _));
    }

    [Fact]
    public void Detects_a_corrupted_header_checksum()
    {
        var bytes = Ipv4("10.244.1.5", "10.244.2.9");
        bytes[8]--;
        Assert.Equal(Ipv4Packet.ParseError.None, Ipv4Packet.TryParse(bytes, out var packet));
        Assert.False(packet.HasValidHeaderChecksum);
    }
}
