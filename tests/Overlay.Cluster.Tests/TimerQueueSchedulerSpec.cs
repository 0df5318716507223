using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Scheduling;

namespace Overlay.Cluster.Tests;

/// <summary>The scheduler both processes run (selected by hocon/akka.hocon): Akka's scheduling
/// contract on runtime timers.</summary>
public sealed class TimerQueueSchedulerSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    public TimerQueueSchedulerSpec() : base(ConfigurationFactory.ParseString(File.ReadAllText(OverlayAkkaHosting.HoconPath))
        .WithFallback(ConfigurationFactory.ParseString("akka.actor.provider = local")))
    {
    }

    private IScheduler Scheduler => Sys.Scheduler;

    private TimerQueueScheduler Queue => Assert.IsType<TimerQueueScheduler>(Sys.Scheduler);

    [Fact]
    public void The_shipped_akka_configuration_selects_it() =>
        Assert.IsType<TimerQueueScheduler>(Sys.Scheduler);

    [Fact]
    public void A_tell_arrives_once_not_before_its_delay_with_its_sender()
    {
        var delay = TimeSpan.FromMilliseconds(200);
        var sender = CreateTestProbe();
        var clock = Stopwatch.StartNew();
        Scheduler.ScheduleTellOnce(delay, TestActor, "due", sender.Ref);
        ExpectMsg("due", delay + Grace);
        Assert.True(clock.Elapsed >= delay - TimeSpan.FromMilliseconds(2), $"arrived after {clock.Elapsed}, scheduled for {delay}");
        Assert.Equal(sender.Ref, LastSender);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        AwaitAssert(() => Assert.Equal(0, Queue.PendingCount), Grace);
    }

    [Fact]
    public void A_zero_delay_runs_promptly()
    {
        Scheduler.Advanced.ScheduleOnce(TimeSpan.Zero, () => TestActor.Tell("now"));
        ExpectMsg("now", Grace);
    }

    [Fact]
    public void Repeated_work_keeps_its_interval_until_cancelled_and_then_never_runs_again()
    {
        var cancelable = new Cancelable(Sys.Scheduler);
        var interval = TimeSpan.FromMilliseconds(50);
        Scheduler.ScheduleTellRepeatedly(TimeSpan.Zero, interval, TestActor, "tick", ActorRefs.NoSender, cancelable);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 5; i++)
            ExpectMsg("tick", Grace);
        // Five runs, the first at once: at least four intervals passed (fixed delay, no bursts).
        Assert.True(clock.Elapsed >= 4 * interval - TimeSpan.FromMilliseconds(8), $"5 ticks in {clock.Elapsed}");
        cancelable.Cancel();
        AwaitAssert(() => Assert.Equal(0, Queue.PendingCount), Grace);
        // A tick that was already running when Cancel came may still land; after that, nothing.
        ReceiveWhile(TimeSpan.FromMilliseconds(100), m => m);
        ExpectNoMsg(interval * 6);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(120 * 86_400.0)] // beyond one timer's longest wait (~49.7 days): waits in steps
    public void Work_cancelled_before_it_is_due_never_runs_and_releases_its_timer(double delaySeconds)
    {
        var cancelable = new Cancelable(Sys.Scheduler);
        Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(delaySeconds), TestActor, "late", ActorRefs.NoSender, cancelable);
        Assert.Equal(1, Queue.PendingCount);
        cancelable.Cancel();
        Assert.Equal(0, Queue.PendingCount);
        ExpectNoMsg(TimeSpan.FromMilliseconds(600));
    }

    [Fact]
    public void Work_given_an_already_cancelled_token_is_not_scheduled()
    {
        var cancelable = new Cancelable(Sys.Scheduler);
        cancelable.Cancel();
        Scheduler.ScheduleTellOnce(TimeSpan.Zero, TestActor, "never", ActorRefs.NoSender, cancelable);
        Assert.Equal(0, Queue.PendingCount);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_failing_repeated_action_is_logged_and_runs_again()
    {
        var cancelable = new Cancelable(Sys.Scheduler);
        var runs = 0;
        EventFilter.Exception<InvalidOperationException>().Expect(2, Grace, () =>
            Scheduler.Advanced.ScheduleRepeatedly(TimeSpan.Zero, TimeSpan.FromMilliseconds(20), () =>
            {
                if (Interlocked.Increment(ref runs) <= 2)
                    throw new InvalidOperationException("boom");
                TestActor.Tell(runs);
            }, cancelable));
        ExpectMsg<int>(Grace);
        cancelable.Cancel();
    }

    [Fact]
    public void After_dispose_pending_work_is_dropped_and_scheduling_throws()
    {
        var queue = new TimerQueueScheduler(Sys.Settings.Config, Sys.Log);
        IScheduler scheduler = queue;
        scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(100), TestActor, "dropped", ActorRefs.NoSender);
        Assert.Equal(1, queue.PendingCount);
        queue.Dispose();
        Assert.Equal(0, queue.PendingCount);
        var refused = Assert.Throws<SchedulerException>(() =>
            scheduler.ScheduleTellOnce(TimeSpan.Zero, TestActor, "refused", ActorRefs.NoSender));
        Assert.Contains("after the scheduler was disposed", refused.Message);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Many_entries_from_many_threads_each_run_exactly_once()
    {
        const int count = 2_000;
        var seen = new int[count];
        Parallel.For(0, count, i =>
            Scheduler.Advanced.ScheduleOnce(TimeSpan.FromMilliseconds(i % 50), () => Interlocked.Increment(ref seen[i])));
        AwaitAssert(() => Assert.Equal(0, Queue.PendingCount), Grace * 3);
        Assert.All(seen, s => Assert.Equal(1, s));
    }

    [Fact]
    public void Its_clocks_move_forward()
    {
        var before = Scheduler.MonotonicClock;
        var now = Scheduler.Now;
        AwaitAssert(() => Assert.True(Scheduler.HighResMonotonicClock > before), Grace);
        Assert.Equal(TimeSpan.Zero, now.Offset);
        Assert.True(Math.Abs((now - DateTimeOffset.UtcNow).TotalSeconds) < 5);
    }
}
