namespace Overlay.Node.Agent;

/// <summary>
/// Tells a pause of this process from the gaps between observations of a monotonic clock taken by a
/// periodic timer: a gap of at least the threshold means the process did not run meanwhile (SIGSTOP,
/// a paused VM). CLOCK_MONOTONIC runs on through both; it stops only while the whole guest is
/// suspended to RAM, which this cannot see. Pure; not thread-safe (one timer loop owns it).
/// </summary>
public sealed class PauseDetector
{
    private readonly TimeSpan _threshold;
    private readonly long _frequency;
    private long _last;

    /// <summary>Starts at <paramref name="start"/> (a timestamp of a clock with
    /// <paramref name="frequency"/> ticks per second, as <see cref="TimeProvider.GetTimestamp"/>).</summary>
    public PauseDetector(long start, long frequency, TimeSpan threshold)
    {
        if (threshold <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "the pause threshold must be positive");
        _last = start;
        _frequency = frequency;
        _threshold = threshold;
    }

    /// <summary>The gap since the previous observation when it is at least the threshold, else null.</summary>
    public TimeSpan? Observe(long now)
    {
        var gap = TimeSpan.FromSeconds((double)(now - _last) / _frequency);
        _last = now;
        return gap >= _threshold ? gap : null;
    }
}
