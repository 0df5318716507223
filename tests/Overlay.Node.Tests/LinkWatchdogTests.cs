using Overlay.Node.Dataplane;
using Overlay.Node.Tun;
using Overlay.Testing;
using static Overlay.Node.Tests.TestNetwork;

namespace Overlay.Node.Tests;

/// <summary>The data-path watchdog (faults F23, F24, F24b) over the in-memory link table: what it
/// finds, what it repairs, what it counts, and that a deleted device restarts the session.</summary>
public sealed class LinkWatchdogTests : FakeLinkDataplaneTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly uint Address = S("10.244.1.0/24").Network;

    private bool Healthy() =>
        LinkDiagnosis.Diagnose(Link.Inspect(Device, S("10.244.0.0/16")), Address) == LinkDefects.None;

    [Theory]
    [InlineData(true, true, true, true, true, LinkDefects.None)]
    [InlineData(true, false, true, false, true, LinkDefects.LinkDown | LinkDefects.RouteMissing)]
    [InlineData(true, true, true, false, true, LinkDefects.RouteMissing)]
    [InlineData(true, true, false, true, true, LinkDefects.AddressMissing)]
    [InlineData(true, true, true, true, false, LinkDefects.BackstopMissing)]
    [InlineData(false, false, false, false, true, LinkDefects.DeviceMissing)]
    [InlineData(false, false, false, false, false, LinkDefects.DeviceMissing | LinkDefects.BackstopMissing)]
    public void Diagnose_names_every_part_of_the_configured_link_that_is_gone(bool exists, bool up, bool address, bool route, bool backstop, LinkDefects expected)
    {
        var state = new LinkState(exists, up, address ? Address : null, route, backstop);
        Assert.Equal(expected, LinkDiagnosis.Diagnose(state, Address));
    }

    [Fact]
    public void Another_address_on_the_device_is_a_missing_address()
    {
        Assert.Equal(LinkDefects.AddressMissing, LinkDiagnosis.Diagnose(LinkState.Configured(Address + 7), Address));
    }

    [Fact]
    public void A_healthy_link_is_left_alone_and_a_stopped_data_path_is_not_checked()
    {
        Assert.Equal(LinkDefects.None, Dataplane.CheckLink());
        Start();
        Assert.Equal(1, Link.ConfigureCalls);
        Assert.Equal(LinkDefects.None, Dataplane.CheckLink());
        Assert.Equal(1, Link.ConfigureCalls);
        Assert.Empty(Dataplane.LinkRepairs());
    }

    [Fact]
    public void A_link_set_down_is_brought_up_with_its_route_and_counted_once_per_defect()
    {
        Start();
        Link.SetDown(Device);

        Assert.Equal(LinkDefects.LinkDown | LinkDefects.RouteMissing, Dataplane.CheckLink());
        Assert.True(Healthy());
        Assert.True(Dataplane.IsRunning);
        Assert.Equal(LinkDefects.None, Dataplane.CheckLink());
        Assert.Equal(new (string, long)[] { ("link_down", 1L), ("route_missing", 1L) }, Dataplane.LinkRepairs());
    }

    [Fact]
    public void A_deleted_network_route_is_added_again_and_the_pumps_keep_running()
    {
        Start();
        Link.DeleteRoute(Device);
        Link.DeleteBackstop();

        Assert.Equal(LinkDefects.RouteMissing | LinkDefects.BackstopMissing, Dataplane.CheckLink());
        Assert.True(Healthy());
        Assert.True(Dataplane.IsRunning);
        Link.DeleteRoute(Device);
        Dataplane.CheckLink();
        Assert.Equal(new (string, long)[] { ("route_missing", 2L), ("backstop_missing", 1L) }, Dataplane.LinkRepairs());
    }

    [Fact]
    public void A_deleted_device_ends_the_session_through_Faulted_so_the_node_starts_a_new_one()
    {
        Start();
        Exception? fault = null;
        Dataplane.Faulted += e => fault = e;
        Link.DeleteDevice(Device);

        Assert.Equal(LinkDefects.DeviceMissing, Dataplane.CheckLink());
        Assert.False(Dataplane.IsRunning);
        Assert.NotNull(fault);
        Assert.Contains("overlay0 was deleted", fault.Message);
        Assert.Equal(new (string, long)[] { ("device_missing", 1L) }, Dataplane.LinkRepairs());

        // What the node actor does on Faulted: Stop, then Start, which configures a new device. The
        // failed session's stop keeps the backstop route: no fall-through until the new session runs.
        Dataplane.Stop();
        Assert.True(Link.BackstopInstalled);
        Assert.Equal(0, Link.UnconfigureCalls);
        Start();
        Assert.True(Healthy());
        Assert.Equal(LinkDefects.None, Dataplane.CheckLink());
    }

    [Fact]
    public void A_refused_repair_does_not_throw_and_is_retried_at_the_next_check()
    {
        Start();
        Link.SetDown(Device);
        Link.FailConfigure = new IOException("failed to bring up overlay0: EPERM");

        Assert.Equal(LinkDefects.None, Dataplane.CheckLink());
        Assert.Equal(LinkDefects.None, Dataplane.CheckLink());
        Assert.False(Healthy());

        Link.FailConfigure = null;
        Assert.Equal(LinkDefects.LinkDown | LinkDefects.RouteMissing, Dataplane.CheckLink());
        Assert.True(Healthy());
    }

    [Fact]
    public void An_orderly_stop_removes_the_backstop_route_which_has_no_device_to_take_it_along()
    {
        Start();
        Assert.True(Link.BackstopInstalled);
        Dataplane.Stop();
        Assert.False(Link.BackstopInstalled);
        Assert.Equal(1, Link.UnconfigureCalls);
    }

    [Fact]
    public async Task The_watchdog_repairs_a_link_set_down_without_being_asked()
    {
        Start();
        using var watchdog = new LinkWatchdog(Dataplane, TimeSpan.FromMilliseconds(50));
        await watchdog.StartAsync(CancellationToken.None);
        try
        {
            Link.SetDown(Device);
            await Poll.UntilTrueAsync(Healthy, Wait, "the watchdog to bring overlay0 up again");
            Assert.Contains(("link_down", 1L), Dataplane.LinkRepairs());
        }
        finally
        {
            await watchdog.StopAsync(CancellationToken.None);
        }
    }
}
