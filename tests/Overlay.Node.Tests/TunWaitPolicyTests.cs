using Overlay.Node.Tun;

namespace Overlay.Node.Tests;

public class TunWaitPolicyTests
{
    [Fact]
    public void A_drain_that_found_nothing_behind_the_blocking_read_polls_first()
    {
        // A lone packet (ping, request/response): the drain's one read was the empty one; polling
        // first keeps an idle wake at one system call.
        Assert.True(TunWaitPolicy.PollFirst(drainEndedEmpty: true, packetsDrained: 0));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(63)]
    public void A_drain_that_took_packets_reads_first(int packets)
    {
        // A stream: the next packet is usually queued by the time the run is sent.
        Assert.False(TunWaitPolicy.PollFirst(drainEndedEmpty: true, packetsDrained: packets));
    }

    [Fact]
    public void A_drain_cut_off_by_its_limit_reads_first()
    {
        // The drain stopped at InsideBatchPackets with packets still queued: nothing to wait for.
        Assert.False(TunWaitPolicy.PollFirst(drainEndedEmpty: false, packetsDrained: 63));
        Assert.False(TunWaitPolicy.PollFirst(drainEndedEmpty: false, packetsDrained: 0));
    }
}
