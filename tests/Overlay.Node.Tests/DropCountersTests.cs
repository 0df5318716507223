using Overlay.Node.Dataplane;

namespace Overlay.Node.Tests;

public class DropCountersTests
{
    [Fact]
    public void Names_are_stable_snake_case()
    {
        Assert.Equal(
            ["not_ipv4", "malformed", "no_route", "too_big", "not_for_this_subnet", "spoofed_source",
             "unknown_source", "send_error", "tun_write_error", "control_truncated"],
            Enum.GetValues<DropReason>().Select(DropCounters.NameOf));
    }

    [Fact]
    public void Counts_concurrently_and_snapshots_by_name()
    {
        var counters = new DropCounters();
        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 10_000; i++)
                counters.Add(DropReason.SpoofedSource);
        });
        counters.Add(DropReason.Malformed);

        var snapshot = counters.Snapshot();
        Assert.Equal(40_000, snapshot["spoofed_source"]);
        Assert.Equal(1, snapshot["malformed"]);
        Assert.Equal(0, snapshot["no_route"]);
        Assert.Equal(Enum.GetValues<DropReason>().Length, snapshot.Count);
        Assert.Equal(40_001, counters.Total);
    }
}
