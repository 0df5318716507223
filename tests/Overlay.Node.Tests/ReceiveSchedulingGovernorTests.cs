using Overlay.Node.Dataplane;
using static Overlay.Node.Dataplane.DataplaneConstants;

namespace Overlay.Node.Tests;

public class ReceiveSchedulingGovernorTests
{
    [Fact]
    public void Sparse_traffic_keeps_the_pump_batch()
    {
        var governor = new ReceiveSchedulingGovernor();
        for (var i = 0; i < 1000; i++)
            Assert.False(governor.Observe(1));
        Assert.Equal(PumpScheduling.Batch, governor.Current);
    }

    [Fact]
    public void A_burst_switches_to_normal_once_and_a_stream_keeps_it()
    {
        var governor = new ReceiveSchedulingGovernor();
        Assert.True(governor.Observe(ReceiveBurstDatagrams));
        Assert.Equal(PumpScheduling.Normal, governor.Current);
        for (var i = 0; i < 10 * ReceiveQuietCalls; i++)
            Assert.False(governor.Observe(i % 2 == 0 ? 64 : 1)); // bursts keep coming between small calls
        Assert.Equal(PumpScheduling.Normal, governor.Current);
    }

    [Fact]
    public void Only_a_run_of_quiet_calls_returns_the_pump_to_batch()
    {
        var governor = new ReceiveSchedulingGovernor();
        governor.Observe(64);
        for (var i = 1; i < ReceiveQuietCalls; i++)
            Assert.False(governor.Observe(ReceiveBurstDatagrams - 1));
        Assert.Equal(PumpScheduling.Normal, governor.Current);
        Assert.True(governor.Observe(1));
        Assert.Equal(PumpScheduling.Batch, governor.Current);
        Assert.True(governor.Observe(30)); // the next stream switches again
        Assert.Equal(PumpScheduling.Normal, governor.Current);
    }
}
