using Overlay.Node.Dataplane;
using static Overlay.Node.Tests.Packets;

namespace Overlay.Node.Tests;

public class IcmpUnreachableTests
{
    // A TCP SYN from pod 10.244.1.5 to 10.244.9.7 (no peer owns 10.244.9.0/24), DF set, TTL 64.
    private static readonly byte[] Offender = Hex(
        "45 00 00 28 12 34 40 00 40 06 08 a9 0a f4 01 05 0a f4 09 07" +
        "c3 50 00 50 00 00 00 01 00 00 00 00 50 02 ff ff 00 00 00 00");

    [Fact]
    public void Builds_flannels_net_unreachable_byte_for_byte()
    {
        var expected = Hex(
            // IPv4: len 56, id 0, no flags, TTL 8, proto ICMP, checksum 9ad9, 10.244.1.0 -> 10.244.1.5
            "45 00 00 38 00 00 00 00 08 01 9a d9 0a f4 01 00 0a f4 01 05" +
            // ICMP type 3 code 0, checksum 395e, unused
            "03 00 39 5e 00 00 00 00" +
            // the offender's IP header and the first 8 bytes of its payload
            "45 00 00 28 12 34 40 00 40 06 08 a9 0a f4 01 05 0a f4 09 07" +
            "c3 50 00 50 00 00 00 01");

        Assert.Equal(Ipv4Packet.ParseError.None, Ipv4Packet.TryParse(Offender, out var offender));
        Assert.True(IcmpUnreachable.ShouldReply(offender));
        var reply = new byte[DataplaneConstants.MaxIcmpReplyLength];
        var length = IcmpUnreachable.Write(offender, A("10.244.1.0"), reply);

        Assert.Equal(expected, reply[..length]);
        Assert.True(Rfc1071.Verifies(reply.AsSpan(0, 20)), "IP header checksum");
        Assert.True(Rfc1071.Verifies(reply.AsSpan(20, length - 20)), "ICMP checksum");
    }

    [Fact]
    public void Quotes_options_and_a_short_payload_and_checksums_verify()
    {
        var bytes = Ipv4("10.244.1.5", "10.244.9.7", ProtoUdp, payload: [9, 9, 9], optionWords: 3);
        Ipv4Packet.TryParse(bytes, out var offender);
        var reply = new byte[DataplaneConstants.MaxIcmpReplyLength];
        var length = IcmpUnreachable.Write(offender, A("10.244.1.0"), reply);

        Assert.Equal(20 + 8 + 32 + 3, length);
        Assert.Equal(bytes, reply[28..length]);
        Assert.True(Rfc1071.Verifies(reply.AsSpan(0, 20)));
        Assert.True(Rfc1071.Verifies(reply.AsSpan(20, length - 20)));
    }

    [Theory]
    [InlineData(3)]  // destination unreachable
    [InlineData(4)]  // source quench
    [InlineData(5)]  // redirect
    [InlineData(11)] // time exceeded
    [InlineData(12)] // parameter problem
    public void Never_answers_icmp_errors(byte type)
    {
        Ipv4Packet.TryParse(IcmpPacket("10.244.1.5", "10.244.9.7", type), out var packet);
        Assert.False(IcmpUnreachable.ShouldReply(packet));
    }

    [Theory]
    [InlineData(8)] // echo request
    [InlineData(0)] // echo reply
    [InlineData(13)] // timestamp
    public void Answers_icmp_queries(byte type)
    {
        Ipv4Packet.TryParse(IcmpPacket("10.244.1.5", "10.244.9.7", type), out var packet);
        Assert.True(IcmpUnreachable.ShouldReply(packet));
    }

    [Fact]
    public void Never_answers_non_first_fragments_but_answers_first_ones()
    {
        Ipv4Packet.TryParse(Ipv4("10.244.1.5", "10.244.9.7", flagsAndOffset: 0x2000 | 185), out var middle);
        Ipv4Packet.TryParse(Ipv4("10.244.1.5", "10.244.9.7", flagsAndOffset: 185), out var last);
        Ipv4Packet.TryParse(Ipv4("10.244.1.5", "10.244.9.7", flagsAndOffset: 0x2000), out var first);
        Assert.False(IcmpUnreachable.ShouldReply(middle));
        Assert.False(IcmpUnreachable.ShouldReply(last));
        Assert.True(IcmpUnreachable.ShouldReply(first));
    }

    [Theory]
    [InlineData("0.0.0.0", "10.244.9.7")]
    [InlineData("224.0.0.5", "10.244.9.7")]
    [InlineData("255.255.255.255", "10.244.9.7")]
    [InlineData("10.244.1.5", "239.1.2.3")]
    public void Never_answers_non_unicast_sources_or_multicast_destinations(string source, string destination)
    {
        Ipv4Packet.TryParse(Ipv4(source, destination), out var packet);
        Assert.False(IcmpUnreachable.ShouldReply(packet));
    }
}
