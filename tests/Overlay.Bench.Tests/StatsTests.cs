using Overlay.Bench.ControlPlane;

namespace Overlay.Bench.Tests;

public sealed class StatsTests
{
    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var stats = Stats.Of(Enumerable.Range(1, 100).Select(i => (double)i).Reverse().ToList());

        Assert.Equal(100, stats.Count);
        Assert.Equal(1, stats.Min);
        Assert.Equal(50, stats.P50);
        Assert.Equal(90, stats.P90);
        Assert.Equal(99, stats.P99);
        Assert.Equal(100, stats.Max);
        Assert.Equal(50.5, stats.Mean);
    }

    [Fact]
    public void P99_of_a_small_sample_is_its_maximum()
    {
        var stats = Stats.Of([3.0, 1.0, 2.0]);

        Assert.Equal(3, stats.P99);
        Assert.Equal(2, stats.P50);
    }

    [Fact]
    public void An_empty_sample_is_refused() =>
        Assert.Throws<ArgumentException>(() => Stats.Of(Array.Empty<double>()));
}
