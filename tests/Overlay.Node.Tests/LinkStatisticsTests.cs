using Overlay.Node.Tun;

namespace Overlay.Node.Tests;

/// <summary>The TUN's kernel counters as /proc/net/dev prints them.</summary>
public class LinkStatisticsTests
{
    private const string ProcNetDev = """
        Inter-|   Receive                                                |  Transmit
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
        overlay0: 123456789  4242    0    7    0     0          0         0 987654321 11613   0 11613    0     0       0          0
          eth0: 5 6 0 1 0 0 0 0 7 8 0 2 0 0 0 0
        """;

    [Fact]
    public void Reads_bytes_packets_and_drops_of_the_named_device()
    {
        Assert.Equal(new LinkStatistics(123456789, 4242, 7, 987654321, 11613, 11613), LinkStatistics.Parse(ProcNetDev, "overlay0"));
        Assert.Equal(new LinkStatistics(5, 6, 1, 7, 8, 2), LinkStatistics.Parse(ProcNetDev, "eth0"));
    }

    [Fact]
    public void A_missing_device_is_null_and_a_prefix_of_a_name_is_not_a_match()
    {
        Assert.Null(LinkStatistics.Parse(ProcNetDev, "overlay1"));
        Assert.Null(LinkStatistics.Parse(ProcNetDev, "overlay"));
    }

    [Fact]
    public void A_short_line_names_the_device()
    {
        var error = Assert.Throws<FormatException>(() => LinkStatistics.Parse("tun0: 1 2 3\n", "tun0"));
        Assert.Contains("tun0", error.Message);
    }

    [Fact]
    public void Sums_field_by_field()
    {
        Assert.Equal(new LinkStatistics(2, 4, 6, 8, 10, 12), new LinkStatistics(1, 2, 3, 4, 5, 6) + new LinkStatistics(1, 2, 3, 4, 5, 6));
    }
}
