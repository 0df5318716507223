using Overlay.Actors.Node;
using Overlay.Node.Dataplane;
using static Overlay.Node.Tests.Packets;
using static Overlay.Node.Tests.TestNetwork;

namespace Overlay.Node.Tests;

public class ForwardingTableTests
{
    private static readonly ForwardingTable Empty = ForwardingTable.Empty(Config());

    [Fact]
    public void Finds_the_first_and_the_last_subnet_of_the_network_at_both_ends()
    {
        var first = new PeerCounters();
        var last = new PeerCounters();
        var table = Empty.With(S("10.244.0.0/24"), E("192.0.2.10"), first)
                         .With(S("10.244.255.0/24"), E("192.0.2.11"), last);

        Assert.Same(first, table.Lookup(A("10.244.0.0"))!.Counters);
        Assert.Same(first, table.Lookup(A("10.244.0.255"))!.Counters);
        Assert.Same(last, table.Lookup(A("10.244.255.0"))!.Counters);
        Assert.Same(last, table.Lookup(A("10.244.255.255"))!.Counters);
        Assert.Null(table.Lookup(A("10.244.1.1")));
        Assert.Equal(A("192.0.2.11"), table.Lookup(A("10.244.255.7"))!.PublicIp);
    }

    [Theory]
    [InlineData("10.243.255.255")]
    [InlineData("10.245.0.0")]
    [InlineData("0.0.0.0")]
    [InlineData("255.255.255.255")]
    [InlineData("192.0.2.10")]
    public void Addresses_outside_the_network_find_nothing(string address)
    {
        var table = Empty.With(S("10.244.0.0/24"), E("192.0.2.10"), new PeerCounters())
                         .With(S("10.244.255.0/24"), E("192.0.2.11"), new PeerCounters());
        Assert.Null(table.Lookup(A(address)));
    }

    [Fact]
    public void Replacing_and_removing_return_new_tables_and_leave_old_ones_intact()
    {
        var before = new PeerCounters();
        var after = new PeerCounters();
        var v1 = Empty.With(S("10.244.7.0/24"), E("192.0.2.7"), before);
        var v2 = v1.With(S("10.244.7.0/24"), E("192.0.2.77"), after);
        var v3 = v2.Without(S("10.244.7.0/24"));

        Assert.Same(before, v1.Lookup(A("10.244.7.9"))!.Counters);
        Assert.Same(after, v2.Lookup(A("10.244.7.9"))!.Counters);
        Assert.Equal(E("192.0.2.77"), v2.Lookup(A("10.244.7.9"))!.Endpoint);
        Assert.Null(v3.Lookup(A("10.244.7.9")));
        Assert.Equal(1, v2.Count);
        Assert.Equal(0, v3.Count);
        Assert.Same(v3, v3.Without(S("10.244.7.0/24")));
    }

    [Fact]
    public void Source_lookup_finds_the_lease_owning_an_inner_source()
    {
        var table = Empty.With(S("10.244.3.0/24"), E("192.0.2.3"), new PeerCounters());
        Assert.Equal(A("192.0.2.3"), table.LookupSource(A("10.244.3.200"))!.PublicIp);
        Assert.Null(table.LookupSource(A("10.244.4.1")));
    }

    [Fact]
    public void Entries_are_ordered_and_the_socket_address_is_prebuilt()
    {
        var table = Empty.With(S("10.244.9.0/24"), E("192.0.2.9", 9000), new PeerCounters())
                         .With(S("10.244.2.0/24"), E("192.0.2.2"), new PeerCounters());
        Assert.Equal([S("10.244.2.0/24"), S("10.244.9.0/24")], table.Entries.Select(e => e.Subnet));
        Assert.True(Overlay.Node.Udp.UdpSource.TryRead(table.Lookup(A("10.244.9.1"))!.SocketAddress, out var source));
        Assert.Equal(new Overlay.Node.Udp.UdpSource(A("192.0.2.9"), 9000), source);
    }

    [Theory]
    [InlineData("10.244.1.0/25")]
    [InlineData("10.245.1.0/24")]
    [InlineData("10.0.0.0/8")]
    public void Rejects_subnets_that_are_not_a_SubnetLen_of_the_network(string subnet)
    {
        var error = Assert.Throws<ArgumentException>(() => Empty.With(S(subnet), E("192.0.2.1"), new PeerCounters()));
        Assert.Contains(subnet, error.Message);
    }

    [Fact]
    public void Pages_keep_lookups_correct_across_a_large_network()
    {
        // 10.0.0.0/8 in /26s: 2^18 slots over 1024 pages.
        var table = ForwardingTable.Empty(S("10.0.0.0/8"), 26);
        var subnets = new[] { "10.0.0.0/26", "10.0.0.64/26", "10.128.0.192/26", "10.255.255.192/26" };
        foreach (var (subnet, i) in subnets.Select((s, i) => (s, i)))
            table = table.With(S(subnet), E($"192.0.2.{i + 1}"), new PeerCounters());

        Assert.Equal(A("192.0.2.1"), table.Lookup(A("10.0.0.63"))!.PublicIp);
        Assert.Equal(A("192.0.2.2"), table.Lookup(A("10.0.0.64"))!.PublicIp);
        Assert.Equal(A("192.0.2.3"), table.Lookup(A("10.128.0.200"))!.PublicIp);
        Assert.Equal(A("192.0.2.4"), table.Lookup(A("10.255.255.255"))!.PublicIp);
        Assert.Null(table.Lookup(A("10.128.0.128")));
    }

    [Fact]
    public void Ipv6_endpoints_are_refused_with_the_subnet_named()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Empty.With(S("10.244.1.0/24"), new System.Net.IPEndPoint(System.Net.IPAddress.IPv6Loopback, 8285), new PeerCounters()));
        Assert.Contains("10.244.1.0/24", error.Message);
    }
}
