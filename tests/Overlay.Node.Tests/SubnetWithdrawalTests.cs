using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Overlay.Node.Agent;
using Overlay.Node.Dataplane;
using Overlay.Testing;
using static Overlay.Node.Tests.TestNetwork;

namespace Overlay.Node.Tests;

/// <summary>
/// F4: a node that did not run for longer than the cluster needs to down it withdraws its subnet (no
/// address on the device, no subnet.env) while its pumps and peer table stay, and serves it again
/// when the registry grants it once more. Over the in-memory link table; the kernel's side is in
/// <see cref="OverlayDataplaneRootTests"/>.
/// </summary>
public sealed class SubnetWithdrawalTests : FakeLinkDataplaneTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly uint Address = S("10.244.1.0/24").Network;

    [Fact]
    public void A_withdrawn_subnet_loses_its_address_route_and_subnet_env_but_keeps_its_pumps_and_peers()
    {
        Start();
        Dataplane.SetPeer(S("10.244.2.0/24"), new IPEndPoint(IPAddress.Parse("192.0.2.2"), 8285), new());
        Assert.True(File.Exists(SubnetFile));

        Dataplane.Withdraw("a test says so");

        var link = Link.Inspect(Device, S("10.244.0.0/16"));
        Assert.Null(link.Address);
        Assert.False(link.RouteInstalled);
        Assert.True(link.BackstopInstalled, "the backstop keeps the Network off the default route meanwhile");
        Assert.False(File.Exists(SubnetFile));
        Assert.Equal("a test says so", Dataplane.Withdrawn);
        Assert.True(Dataplane.IsRunning);
        Assert.Equal(S("10.244.1.0/24"), Dataplane.ServedSubnet); // a fresh node actor asks for it again
        Assert.Single(Dataplane.Peers());

        // The watchdog leaves a withdrawn link alone, and a second withdrawal changes nothing.
        Assert.Equal(LinkDefects.None, Dataplane.CheckLink());
        Dataplane.Withdraw("again");
        Assert.Equal(1, Link.RemoveAddressCalls);
        Assert.Equal("a test says so", Dataplane.Withdrawn);
        Assert.Null(Link.Inspect(Device, S("10.244.0.0/16")).Address);
    }

    [Fact]
    public void A_grant_of_the_same_subnet_serves_it_again_without_restarting_the_pumps()
    {
        Start();
        var configured = Link.ConfigureCalls;
        Dataplane.Withdraw("a test says so");

        Start();

        Assert.Null(Dataplane.Withdrawn);
        Assert.Equal(LinkDefects.None, LinkDiagnosisFor(Address));
        Assert.Contains("FLANNEL_SUBNET=10.244.1.1/24", File.ReadAllText(SubnetFile));
        Assert.Equal(configured + 1, Link.ConfigureCalls);
        // Served again: the next Start is a no-op, the watchdog checks the link again.
        Start();
        Assert.Equal(configured + 1, Link.ConfigureCalls);
        Link.SetDown(Device);
        Assert.NotEqual(LinkDefects.None, Dataplane.CheckLink());
    }

    [Fact]
    public void A_stop_or_another_subnet_ends_the_withdrawal_with_the_session()
    {
        Start();
        Dataplane.Withdraw("a test says so");
        Dataplane.Start(Lease("10.244.7.0/24", "192.0.2.1"), Config());
        Assert.Null(Dataplane.Withdrawn);
        Assert.Contains("FLANNEL_SUBNET=10.244.7.1/24", File.ReadAllText(SubnetFile));

        Dataplane.Withdraw("again");
        Dataplane.Stop();
        Assert.Null(Dataplane.Withdrawn);
        Assert.Null(Dataplane.ServedSubnet);
        Dataplane.Withdraw("not running"); // no-op
        Assert.Null(Dataplane.Withdrawn);
    }

    [Theory]
    [InlineData(0.25, false)]
    [InlineData(9.9, false)]
    [InlineData(10, true)]
    [InlineData(75, true)]
    public void The_detector_reports_a_gap_of_at_least_the_threshold(double gapSeconds, bool reported)
    {
        var detector = new PauseDetector(1_000, TimeSpan.TicksPerSecond, TimeSpan.FromSeconds(10));
        var now = 1_000 + (long)(gapSeconds * TimeSpan.TicksPerSecond);
        var pause = detector.Observe(now);
        Assert.Equal(reported, pause is not null);
        if (pause is { } p)
            Assert.Equal(gapSeconds, p.TotalSeconds, 3);
        // Measured from the last observation, not from the start.
        Assert.Null(detector.Observe(now + TimeSpan.TicksPerSecond));
    }

    [Fact]
    public void The_detector_refuses_a_threshold_that_is_not_positive()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new PauseDetector(0, TimeSpan.TicksPerSecond, TimeSpan.Zero));
        Assert.Contains("threshold", e.Message);
    }

    [Fact]
    public async Task The_watchdog_withdraws_the_subnet_when_the_process_resumes_after_a_long_pause_and_not_after_a_short_one()
    {
        Start();
        var clock = new JumpingClock();
        var supervisor = new ControlPlaneSupervisor(_ => throw new InvalidOperationException("not started in this test"), TimeSpan.FromSeconds(20),
            new NoLifetime(), NullLogger<ControlPlaneSupervisor>.Instance, () => 0);
        using var watchdog = new PauseWatchdog(Dataplane, supervisor, NullLogger<PauseWatchdog>.Instance, clock,
            TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(10));
        await watchdog.StartAsync(CancellationToken.None);
        try
        {
            clock.Jump(TimeSpan.FromSeconds(5));
            await Poll.UntilTrueAsync(() => clock.Reads > 3, Wait, "the watchdog to look at the clock after the short pause");
            Assert.Equal(0, watchdog.Pauses);
            Assert.Null(Dataplane.Withdrawn);

            clock.Jump(TimeSpan.FromSeconds(75));
            await Poll.UntilTrueAsync(() => Dataplane.Withdrawn is not null, Wait, "the watchdog to withdraw the subnet");
            Assert.Equal(1, watchdog.Pauses);
            Assert.Contains("did not run for 75", Dataplane.Withdrawn);
            Assert.False(File.Exists(SubnetFile));
        }
        finally
        {
            await watchdog.StopAsync(CancellationToken.None);
        }
    }

    private LinkDefects LinkDiagnosisFor(uint address) => LinkDiagnosis.Diagnose(Link.Inspect(Device, S("10.244.0.0/16")), address);

    /// <summary>The system clock whose monotonic timestamp a test can move ahead at once, as a process
    /// sees it after SIGCONT; timers are the system's. Thread-safe.</summary>
    private sealed class JumpingClock : TimeProvider
    {
        private long _offset;
        private long _reads;

        public long Reads => Interlocked.Read(ref _reads);

        public override long GetTimestamp()
        {
            Interlocked.Increment(ref _reads);
            return System.GetTimestamp() + Interlocked.Read(ref _offset);
        }

        public override long TimestampFrequency => System.TimestampFrequency;

        public void Jump(TimeSpan by)
        {
            Interlocked.Exchange(ref _reads, 0);
            Interlocked.Add(ref _offset, (long)(by.TotalSeconds * TimestampFrequency));
        }
    }

    private sealed class NoLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() { }
    }
}
