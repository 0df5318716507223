using Overlay.Bench.ControlPlane;

namespace Overlay.Bench.Tests;

public sealed class ScaleAggregationTests
{
    private const long Frequency = 1_000_000; // ticks per second: one tick is a microsecond

    [Fact]
    public void Grant_to_route_is_the_last_node_and_each_node_is_a_sample()
    {
        var sample = ScaleAggregation.GrantToRoute(1_000_000, [1_002_000, 1_010_000, 1_000_500], Frequency);

        Assert.Equal(10, sample.AllNodesMs);
        Assert.Equal([2, 10, 0.5], sample.PerNodeMs);
        Assert.Equal(0, sample.Missing);
    }

    [Fact]
    public void A_node_faster_than_the_reply_counts_as_zero()
    {
        var sample = ScaleAggregation.GrantToRoute(1_000_000, [999_000, 1_001_000], Frequency);

        Assert.Equal([0, 1], sample.PerNodeMs);
        Assert.Equal(1, sample.AllNodesMs);
    }

    [Fact]
    public void A_node_without_the_route_leaves_no_all_nodes_sample()
    {
        var sample = ScaleAggregation.GrantToRoute(1_000_000, [1_001_000, 0], Frequency);

        Assert.Null(sample.AllNodesMs);
        Assert.Equal(1, sample.Missing);
        Assert.Equal([1], sample.PerNodeMs);
    }

    [Fact]
    public void Nodes_are_split_evenly_and_contiguously()
    {
        Assert.Equal([(0, 4), (4, 3), (7, 3)], ScaleAggregation.Split(10, 3));
        Assert.Equal([(0, 1250), (1250, 1250), (2500, 1250), (3750, 1250)], ScaleAggregation.Split(5000, 4));
        Assert.Throws<ArgumentException>(() => ScaleAggregation.Split(2, 3));
    }

    [Fact]
    public void Simulated_nodes_get_distinct_benchmarking_addresses()
    {
        Assert.Equal("198.19.0.0", ScaleAggregation.NodeAddress(0).ToString());
        Assert.Equal("198.19.19.135", ScaleAggregation.NodeAddress(4999).ToString());
        Assert.Equal(5000, Enumerable.Range(0, 5000).Select(ScaleAggregation.NodeAddress).Distinct().Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => ScaleAggregation.NodeAddress(65_536));
    }

    [Fact]
    public void Rates_divide_by_the_window()
    {
        Assert.Equal(5, ScaleAggregation.PerSecond(10, 60, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => ScaleAggregation.PerSecond(0, 1, 0));
    }

    [Fact]
    public void Measured_grants_ask_for_known_subnets_outside_the_nodes_range()
    {
        Assert.Equal("10.255.0.0/24", ScaleAggregation.PeerSubnet(0).ToString());
        Assert.Equal("10.255.255.0/24", ScaleAggregation.PeerSubnet(255).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => ScaleAggregation.PeerSubnet(ScaleAggregation.MaxPeerGrants));
    }
}
