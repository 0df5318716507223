using System.Net;
using Overlay.Actors.Addressing;

namespace Overlay.Actors.Tests;

public class Ipv4SubnetTests
{
    [Theory]
    [InlineData("10.244.1.0/24", 0x0AF40100u, 24)]
    [InlineData("0.0.0.0/0", 0u, 0)]
    [InlineData("192.0.2.7/32", 0xC0000207u, 32)]
    [InlineData("10.244.1.0-24", 0x0AF40100u, 24)]
    public void Parses_canonical_cidr_and_key_form(string text, uint network, int prefix)
    {
        var subnet = Ipv4Subnet.Parse(text);
        Assert.Equal(network, subnet.Network);
        Assert.Equal(prefix, subnet.PrefixLength);
    }

    [Theory]
    [InlineData("10.244.1.1/24")]
    [InlineData("10.245.0.0/15")]
    [InlineData("10.244.1.0/33")]
    [InlineData("10.244.1.0/")]
    [InlineData("/24")]
    [InlineData("10.244.1/24")]
    [InlineData("fc00::/64")]
    [InlineData("10.244.1.0/-1")]
    [InlineData("junk")]
    [InlineData("")]
    [InlineData(null)]
    public void Rejects_host_bits_ipv6_and_junk(string? text)
    {
        Assert.False(Ipv4Subnet.TryParse(text, out _));
        if (text is not null)
            Assert.Contains(text, Assert.Throws<FormatException>(() => Ipv4Subnet.Parse(text)).Message);
    }

    [Fact]
    public void Constructor_rejects_host_bits()
    {
        var e = Assert.Throws<ArgumentException>(() => new Ipv4Subnet(0x0AF40101u, 24));
        Assert.Contains("10.244.1.1/24 has host bits set", e.Message);
    }

    [Fact]
    public void Formats_as_cidr_and_key()
    {
        var subnet = Ipv4Subnet.Parse("10.244.1.0/24");
        Assert.Equal("10.244.1.0/24", subnet.ToString());
        Assert.Equal("10.244.1.0-24", subnet.Key);
        Assert.Equal(subnet, Ipv4Subnet.Parse(subnet.Key));
        Assert.Equal(IPAddress.Parse("10.244.1.1"), subnet.FirstHost);
        Assert.Equal(IPAddress.Parse("10.244.1.0"), subnet.NetworkAddress);
        Assert.Equal(0x0AF401FFu, subnet.Last);
        Assert.Equal(256UL, subnet.Size);
    }

    [Fact]
    public void Contains_addresses_and_subnets()
    {
        var net = Ipv4Subnet.Parse("10.244.0.0/16");
        Assert.True(net.Contains(IPAddress.Parse("10.244.255.255")));
        Assert.False(net.Contains(IPAddress.Parse("10.245.0.0")));
        Assert.False(net.Contains(IPAddress.IPv6Loopback));
        Assert.True(net.Contains(Ipv4Subnet.Parse("10.244.9.0/24")));
        Assert.True(net.Contains(net));
        Assert.False(Ipv4Subnet.Parse("10.244.9.0/24").Contains(net));
        Assert.False(net.Contains(Ipv4Subnet.Parse("10.0.0.0/8")));
    }

    [Theory]
    [InlineData("10.244.0.0/16", "10.244.3.0/24", true)]
    [InlineData("10.244.3.0/24", "10.244.0.0/16", true)]
    [InlineData("10.244.3.0/24", "10.244.3.0/24", true)]
    [InlineData("10.244.3.0/24", "10.244.4.0/24", false)]
    [InlineData("10.244.2.0/23", "10.244.3.128/25", true)]
    [InlineData("10.244.2.0/23", "10.244.4.0/23", false)]
    [InlineData("0.0.0.0/0", "255.255.255.255/32", true)]
    public void Overlap_is_symmetric_and_exact(string a, string b, bool overlaps)
    {
        Assert.Equal(overlaps, Ipv4Subnet.Parse(a).Overlaps(Ipv4Subnet.Parse(b)));
        Assert.Equal(overlaps, Ipv4Subnet.Parse(b).Overlaps(Ipv4Subnet.Parse(a)));
    }

    [Fact]
    public void Orders_by_network_then_prefix()
    {
        var sorted = new[] { "10.244.2.0/24", "10.244.0.0/16", "10.244.1.0/24", "10.244.0.0/24" }
            .Select(Ipv4Subnet.Parse).Order().Select(s => s.ToString());
        Assert.Equal(["10.244.0.0/16", "10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"], sorted);
    }
}
