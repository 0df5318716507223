namespace Overlay.Actors.Tests.Leases;

/// <summary>
/// A <see cref="TimeProvider"/> whose wall clock and monotonic clock a test moves by hand, together
/// (<see cref="Advance"/>: time passes) or the wall clock alone (<see cref="StepWall"/>: NTP steps, a
/// host clock set +13 h). FakeTimeProvider (Microsoft.Extensions.TimeProvider.Testing) derives its
/// timestamp from its wall clock and refuses to go back, so it cannot express a wall-clock step
/// that the monotonic clock does not see. Timers are not provided: actors here use Akka's scheduler.
/// Thread-safe.
/// </summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private readonly object _gate = new();
    private DateTimeOffset _wall = start;
    private long _monotonicTicks = TimeSpan.FromDays(1).Ticks; // arbitrary origin, like a real one

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
            return _wall;
    }

    public override long GetTimestamp()
    {
        lock (_gate)
            return _monotonicTicks;
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>Time passes: both clocks move by <paramref name="by"/> (not negative).</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        lock (_gate)
        {
            _wall += by;
            _monotonicTicks += by.Ticks;
        }
    }

    /// <summary>The wall clock is stepped by <paramref name="by"/> (either sign); the monotonic one is not.</summary>
    public void StepWall(TimeSpan by)
    {
        lock (_gate)
            _wall += by;
    }
}
