using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;

namespace Overlay.Hosting.Scheduling;

/// <summary>
/// Akka's scheduler on .NET timers: a thread wakes only when something is due.
/// </summary>
/// <remarks>
/// Akka's default <see cref="HashedWheelTimerScheduler"/> ticks every <c>akka.scheduler.tick-duration</c>
/// (10 ms) whether or not anything is due: two thread wake-ups (the .NET timer thread, then a pool
/// worker) a hundred times a second, which was most of an idle overlay-node's CPU (~3% of a core).
/// What a node and a seed schedule is a few cluster timers a second (gossip, heartbeats, leader
/// actions) and actor timers of seconds; each entry here is one <see cref="Timer"/> in the runtime's
/// timer queue, armed for its own deadline.
///
/// Semantics kept from the default scheduler: delays are relative to the monotonic clock; repeated
/// work runs again <c>interval</c> after a run starts (fixed delay, never two runs of one entry at a
/// time); a cancelled entry never runs again and releases its timer; an exception from scheduled work
/// is logged and a repeated entry goes on. Scheduling after <see cref="Dispose"/> throws
/// <see cref="SchedulerException"/>. Unlike the default scheduler, work still pending at
/// <see cref="Dispose"/> (the actor system has terminated) is dropped rather than run once.
///
/// Thread-safety: every member may be called from any thread.
/// </remarks>
public sealed class TimerQueueScheduler : SchedulerBase, IDateTimeOffsetNowTimeProvider, IDisposable
{
    /// <summary>The longest single wait a <see cref="Timer"/> accepts (2^32 - 2 ms, ~49.7 days); a
    /// longer delay waits in several steps.</summary>
    private static readonly TimeSpan LongestTimerWait = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);

    /// <summary>How early a timer may fire and still count as due: its clock ticks in milliseconds,
    /// ours in stopwatch ticks. Re-arming for less would spin through the thread pool.</summary>
    private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(1);

    /// <summary>The monotonic clock's zero: when this type was first used.</summary>
    private static readonly long ClockStart = Stopwatch.GetTimestamp();

    private readonly ConcurrentDictionary<ScheduledWork, byte> _pending = new();
    private volatile bool _disposed;

    /// <summary>The constructor Akka calls for <c>akka.scheduler.implementation</c>.</summary>
    public TimerQueueScheduler(Config scheduler, ILoggingAdapter log) : base(scheduler, log)
    {
    }

    /// <summary>Entries scheduled and neither finished nor cancelled (for tests and diagnostics).</summary>
    public int PendingCount => _pending.Count;

    protected override DateTimeOffset TimeNow => DateTimeOffset.UtcNow;

    public override TimeSpan MonotonicClock => Stopwatch.GetElapsedTime(ClockStart);

    public override TimeSpan HighResMonotonicClock => Stopwatch.GetElapsedTime(ClockStart);

    protected override void InternalScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef sender, ICancelable cancelable) =>
        Schedule(delay, TimeSpan.Zero, () => receiver.Tell(message, sender), cancelable);

    protected override void InternalScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef sender, ICancelable cancelable) =>
        Schedule(initialDelay, interval, () => receiver.Tell(message, sender), cancelable);

    protected override void InternalScheduleOnce(TimeSpan delay, Action action, ICancelable cancelable) =>
        Schedule(delay, TimeSpan.Zero, action, cancelable);

    protected override void InternalScheduleOnce(TimeSpan delay, IRunnable action, ICancelable cancelable) =>
        Schedule(delay, TimeSpan.Zero, action.Run, cancelable);

    protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action, ICancelable cancelable) =>
        Schedule(initialDelay, interval, action, cancelable);

    protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, IRunnable action, ICancelable cancelable) =>
        Schedule(initialDelay, interval, action.Run, cancelable);

    /// <summary>Stops every pending timer; later scheduling throws.</summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var work in _pending.Keys)
            work.Finish();
    }

    private void Schedule(TimeSpan delay, TimeSpan interval, Action action, ICancelable? cancelable)
    {
        if (_disposed)
            throw new SchedulerException("cannot schedule after the scheduler was disposed (the actor system has terminated)");
        if (cancelable is { IsCancellationRequested: true })
            return;
        var work = new ScheduledWork(this, action, interval, cancelable);
        _pending[work] = 0;
        work.Start(delay);
        if (_disposed)
            work.Finish(); // Dispose ran between the check above and the registration.
    }

    /// <summary>One scheduled entry and its timer. All state changes happen under the entry's own
    /// lock; the work itself runs outside it, so a cancel never waits for a run.</summary>
    private sealed class ScheduledWork
    {
        private readonly TimerQueueScheduler _owner;
        private readonly Action _action;
        private readonly TimeSpan _interval;
        private readonly ICancelable? _cancelable;
        private readonly Lock _gate = new();
        private Timer? _timer;
        private CancellationTokenRegistration _registration;
        private TimeSpan _deadline;
        private bool _finished;

        public ScheduledWork(TimerQueueScheduler owner, Action action, TimeSpan interval, ICancelable? cancelable)
        {
            _owner = owner;
            _action = action;
            _interval = interval;
            _cancelable = cancelable;
        }

        public void Start(TimeSpan delay)
        {
            lock (_gate)
            {
                _deadline = _owner.HighResMonotonicClock + delay;
                _timer = new Timer(static state => ((ScheduledWork)state!).Fire(), this, Timeout.Infinite, Timeout.Infinite);
                ArmLocked(delay);
            }
            // Registered outside the lock: an already-cancelled token runs Finish synchronously.
            if (_cancelable is not null)
            {
                var registration = _cancelable.Token.Register(static state => ((ScheduledWork)state!).Finish(), this);
                lock (_gate)
                {
                    if (_finished)
                        registration.Dispose();
                    else
                        _registration = registration;
                }
            }
        }

        /// <summary>Releases the timer and forgets the entry; idempotent.</summary>
        public void Finish()
        {
            CancellationTokenRegistration registration;
            lock (_gate)
            {
                if (_finished)
                    return;
                _finished = true;
                _timer?.Dispose();
                registration = _registration;
            }
            // Not under the lock: disposing a registration waits for its callback if it is running.
            registration.Dispose();
            _owner._pending.TryRemove(this, out _);
        }

        private void Fire()
        {
            lock (_gate)
            {
                if (_finished)
                    return;
                var early = _deadline - _owner.HighResMonotonicClock;
                if (early > TimerSlack)
                {
                    // A wait longer than one timer allows, or a timer that fired a little early.
                    ArmLocked(early);
                    return;
                }
            }
            if (_owner._disposed || _cancelable is { IsCancellationRequested: true })
            {
                Finish();
                return;
            }
            try
            {
                _action();
            }
            catch (SchedulerException)
            {
                // A tell to an actor of a terminating system; nothing to report.
            }
            catch (Exception ex)
            {
                _owner.Log.Error(ex, "scheduled work failed: {0}", _action.Method.Name);
            }
            if (_interval <= TimeSpan.Zero)
            {
                Finish();
                return;
            }
            lock (_gate)
            {
                if (_finished)
                    return;
                _deadline = _owner.HighResMonotonicClock + _interval;
                ArmLocked(_interval);
            }
        }

        private void ArmLocked(TimeSpan due) =>
            _timer!.Change(due < LongestTimerWait ? due : LongestTimerWait, Timeout.InfiniteTimeSpan);
    }
}
