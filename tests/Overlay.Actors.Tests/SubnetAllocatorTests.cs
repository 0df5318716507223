using System.Diagnostics;
using CsCheck;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Xunit.Abstractions;

namespace Overlay.Actors.Tests;

public class SubnetAllocatorTests(ITestOutputHelper output)
{
    private static readonly NetworkConfig Net = NetworkConfigParser.Default; // 10.244.1.0 .. 10.244.255.0 /24

    private static Ipv4Subnet S(string text) => Ipv4Subnet.Parse(text);

    private static Dictionary<Ipv4Subnet, long> NoneFreed => [];

    [Fact]
    public void Empty_network_gets_SubnetMin() =>
        Assert.Equal(S("10.244.1.0/24"), SubnetAllocator.Pick(Net, [], NoneFreed));

    [Fact]
    public void Lowest_never_used_subnet_is_picked()
    {
        var live = new[] { S("10.244.1.0/24"), S("10.244.2.0/24"), S("10.244.4.0/24") };
        Assert.Equal(S("10.244.3.0/24"), SubnetAllocator.Pick(Net, live, NoneFreed));
    }

    [Fact]
    public void Freed_subnets_go_out_after_every_never_used_one()
    {
        var live = new[] { S("10.244.1.0/24") };
        var freed = new Dictionary<Ipv4Subnet, long> { [S("10.244.2.0/24")] = 7, [S("10.244.3.0/24")] = 5 };
        Assert.Equal(S("10.244.4.0/24"), SubnetAllocator.Pick(Net, live, freed));
    }

    [Fact]
    public void When_nothing_is_never_used_the_oldest_freed_subnet_is_picked()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16","SubnetMin":"10.244.1.0","SubnetMax":"10.244.4.0"}""");
        var live = new[] { S("10.244.1.0/24"), S("10.244.4.0/24") };
        var freed = new Dictionary<Ipv4Subnet, long> { [S("10.244.2.0/24")] = 9, [S("10.244.3.0/24")] = 4 };
        Assert.Equal(S("10.244.3.0/24"), SubnetAllocator.Pick(config, live, freed));
    }

    [Fact]
    public void A_freed_subnet_that_is_live_again_counts_as_live()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16","SubnetMin":"10.244.1.0","SubnetMax":"10.244.2.0"}""");
        var live = new[] { S("10.244.1.0/24"), S("10.244.2.0/24") };
        var freed = new Dictionary<Ipv4Subnet, long> { [S("10.244.2.0/24")] = 3 };
        Assert.Null(SubnetAllocator.Pick(config, live, freed));
    }

    [Fact]
    public void Full_network_gives_null()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.0.0.0/28"}"""); // three /30s
        var live = new[] { S("10.0.0.4/30"), S("10.0.0.8/30"), S("10.0.0.12/30") };
        Assert.Null(SubnetAllocator.Pick(config, live, NoneFreed));
    }

    [Fact]
    public void Subnets_outside_SubnetMin_SubnetMax_are_never_picked()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16","SubnetMin":"10.244.10.0","SubnetMax":"10.244.11.0"}""");
        Assert.Equal(S("10.244.10.0/24"), SubnetAllocator.Pick(config, [], NoneFreed));
        Assert.Equal(S("10.244.11.0/24"), SubnetAllocator.Pick(config, [S("10.244.10.0/24")], NoneFreed));
        Assert.Null(SubnetAllocator.Pick(config, [S("10.244.10.0/24"), S("10.244.11.0/24")], NoneFreed));
    }

    [Fact]
    public void Live_subnets_of_another_length_block_what_they_overlap()
    {
        // Mid-way through a SubnetLen change a /23 lease may still be live: it covers two /24s.
        var live = new[] { S("10.244.0.0/23"), S("10.244.2.0/23") };
        Assert.Equal(S("10.244.4.0/24"), SubnetAllocator.Pick(Net, live, NoneFreed));

        var freed = new Dictionary<Ipv4Subnet, long> { [S("10.244.1.0/24")] = 1, [S("10.244.3.0/24")] = 2 };
        var config = NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16","SubnetMin":"10.244.1.0","SubnetMax":"10.244.3.0"}""");
        Assert.Equal(S("10.244.3.0/24"), SubnetAllocator.Pick(config, [S("10.244.0.0/23"), S("10.244.2.0/24")], freed));
    }

    [Fact]
    public void Freed_subnets_the_config_does_not_admit_are_ignored()
    {
        var freed = new Dictionary<Ipv4Subnet, long> { [S("10.244.1.0/25")] = 1, [S("10.244.0.0/24")] = 2 };
        Assert.Equal(S("10.244.1.0/24"), SubnetAllocator.Pick(Net, [], freed));
    }

    [Fact]
    public void Index_math_round_trips_and_rejects_foreign_subnets()
    {
        Assert.Equal(0, SubnetAllocator.IndexOf(Net, S("10.244.1.0/24")));
        Assert.Equal(254, SubnetAllocator.IndexOf(Net, S("10.244.255.0/24")));
        Assert.Equal(S("10.244.5.0/24"), SubnetAllocator.SubnetAt(Net, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => SubnetAllocator.IndexOf(Net, S("10.244.0.0/24")));
        Assert.Throws<ArgumentOutOfRangeException>(() => SubnetAllocator.IndexOf(Net, S("10.244.1.0/25")));
        Assert.Throws<ArgumentOutOfRangeException>(() => SubnetAllocator.SubnetAt(Net, 255));
    }

    [Fact]
    public void Usage_counts_live_freed_and_free()
    {
        var usage = SubnetUsage.Empty(Net)
            .WithLive(S("10.244.1.0/24"))
            .WithLive(S("10.244.2.0/24"))
            .WithFreed(S("10.244.2.0/24"), 3)
            .WithLive(S("10.244.0.0/24")); // not admitted: ignored
        Assert.Equal(1, usage.LiveCount);
        Assert.Equal(1, usage.FreedCount);
        Assert.Equal(254, usage.FreeCount);
        Assert.True(usage.IsLive(S("10.244.1.0/24")));
        Assert.False(usage.IsLive(S("10.244.2.0/24")));

        var forgotten = usage.WithoutFreed(S("10.244.2.0/24"));
        Assert.Equal(0, forgotten.FreedCount);
        Assert.Equal(S("10.244.2.0/24"), forgotten.Pick([]));
        Assert.Equal(S("10.244.3.0/24"), usage.Pick([]));
    }

    /// <summary>The incremental index agrees with a plain scan of the rule on random small networks.</summary>
    [Fact]
    public void Pick_agrees_with_a_naive_scan()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.0.0.0/24","SubnetLen":28,"SubnetMin":"10.0.0.32","SubnetMax":"10.0.0.224"}""");
        var count = (int)config.SubnetCount;
        // Each cell: 0 never used, 1 live, 2+ freed at that version.
        Gen.Int[0, 12].Array[count].Sample(cells =>
        {
            var live = Enumerable.Range(0, count).Where(i => cells[i] == 1).Select(i => SubnetAllocator.SubnetAt(config, i)).ToList();
            var freed = Enumerable.Range(0, count).Where(i => cells[i] >= 2)
                .ToDictionary(i => SubnetAllocator.SubnetAt(config, i), i => (long)cells[i] * 100 + i);

            Ipv4Subnet? expected = null;
            for (var i = 0; i < count && expected is null; i++)
                if (cells[i] == 0)
                    expected = SubnetAllocator.SubnetAt(config, i);
            expected ??= freed.Count == 0 ? null : freed.MinBy(f => f.Value).Key;

            Assert.Equal(expected, SubnetAllocator.Pick(config, live, freed));
        }, iter: 300, threads: 1);
    }

    [Fact]
    public void Ten_thousand_live_leases_on_a_slash8_allocate_without_scanning()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.0.0.0/8","SubnetLen":24}""");
        var usage = SubnetUsage.Empty(config);
        for (var i = 0; i < 10_000; i++)
            usage = usage.WithLive(SubnetAllocator.SubnetAt(config, i));
        // A hole low down (freed, then forgotten): the search must find it, not just the end.
        usage = usage.WithFreed(SubnetAllocator.SubnetAt(config, 17), 1).WithoutFreed(SubnetAllocator.SubnetAt(config, 17));
        Assert.Equal(SubnetAllocator.SubnetAt(config, 17), usage.Pick([]));

        var stopwatch = Stopwatch.StartNew();
        const int picks = 1_000;
        for (var i = 0; i < picks; i++)
        {
            var pick = usage.Pick([]) ?? throw new InvalidOperationException("out of subnets");
            usage = usage.WithLive(pick);
        }
        stopwatch.Stop();
        output.WriteLine($"{picks} pick+grant on 10,000 live: {stopwatch.Elapsed.TotalMicroseconds / picks:F1} µs each");
        Assert.Equal(10_999, usage.LiveCount);
        Assert.Equal(SubnetAllocator.SubnetAt(config, 10_999), usage.Pick([]));
    }
}
