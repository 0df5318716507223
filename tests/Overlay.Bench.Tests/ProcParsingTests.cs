using Overlay.Bench.ControlPlane;

namespace Overlay.Bench.Tests;

public sealed class ProcParsingTests
{
    [Fact]
    public void Cpu_is_utime_plus_stime_after_the_command_name()
    {
        // The command name may hold spaces and ')' itself; fields 14 and 15 are 250 and 50 ticks.
        const string stat = "4242 (dotnet) (x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 30 0 100 0 0";

        Assert.Equal(3.0, ProcStat.ParseCpuSeconds(stat));
    }

    [Fact]
    public void A_truncated_stat_line_is_an_error() =>
        Assert.Throws<FormatException>(() => ProcStat.ParseCpuSeconds("1 (a) S 1 2"));

    [Fact]
    public void Rss_is_read_in_kibibytes() =>
        Assert.Equal(2048L * 1024, ProcStat.ParseRssBytes("Name:\tdotnet\nVmPeak:\t 9999 kB\nVmRSS:\t    2048 kB\nThreads:\t20\n"));

    [Fact]
    public void Socket_bytes_are_summed_per_owning_process()
    {
        const string ss = """
            ESTAB 0 0 127.0.0.1:36533 127.0.0.1:56214 users:(("dotnet",pid=10,fd=137))
            	 bbr wscale:10,10 rto:204 bytes_sent:1557 bytes_acked:1557 bytes_received:2357 segs_out:9
            ESTAB 0 0 127.0.0.1:43061 127.0.0.1:34274 users:(("dotnet",pid=10,fd=138))
            	 cubic bytes_sent:43 bytes_received:7 segs_out:26
            ESTAB 0 0 127.0.0.1:22 127.0.0.1:5000 users:(("sshd",pid=11,fd=3))
            	 cubic bytes_received:100 segs_out:2
            ESTAB 0 0 127.0.0.1:80 127.0.0.1:5001
            	 cubic bytes_sent:999 bytes_received:999
            """;

        var sums = SocketBytes.Parse(ss);

        Assert.Equal((1600L, 2364L), sums[10]);
        Assert.Equal((0L, 100L), sums[11]);
        Assert.Equal(2, sums.Count);
    }

    [Theory]
    [InlineData("10,25, 50", new[] { 10, 25, 50 })]
    [InlineData("2", new[] { 2 })]
    public void Membership_sizes_parse(string text, int[] expected) =>
        Assert.Equal(expected, MembershipBench.ParseSizes(text));

    [Theory]
    [InlineData("1")]
    [InlineData("10,x")]
    [InlineData(",")]
    public void Bad_membership_sizes_name_the_flag(string text) =>
        Assert.Contains("--sizes", Assert.Throws<ArgumentException>(() => MembershipBench.ParseSizes(text)).Message);
}
