using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Actors.Leases;
using Overlay.Actors.Node;

namespace Overlay.Actors.Tests.Node;

/// <summary>The node's route decision for one subnet: start, update, retire or nothing, from the
/// view's lease, the node's own subnet, the route it runs and whether the old route is stopping.</summary>
public sealed class PeerRoutePlannerTests
{
    private static readonly Ipv4Subnet Peer = Ipv4Subnet.Parse("10.244.6.0/24");
    private static readonly Ipv4Subnet Own = Ipv4Subnet.Parse("10.244.5.0/24");
    private static readonly Lease Wanted = new(Peer, "a", IPAddress.Parse("192.0.2.6"), 8285, DateTimeOffset.UnixEpoch.AddDays(1), 3, "");

    [Theory]
    //        wanted  running: none/same/older  stopping  expected
    [InlineData(true, "none", false, PeerRouteAction.Start)]
    [InlineData(true, "none", true, PeerRouteAction.None)] // starts once the old route stopped
    [InlineData(true, "same", false, PeerRouteAction.None)]
    [InlineData(true, "older", false, PeerRouteAction.Update)]
    [InlineData(false, "none", false, PeerRouteAction.None)]
    [InlineData(false, "none", true, PeerRouteAction.None)]
    [InlineData(false, "same", false, PeerRouteAction.Retire)]
    public void A_peer_subnet_is_brought_in_line_with_the_view(bool inView, string running, bool stopping, PeerRouteAction expected)
    {
        var runningLease = running switch
        {
            "same" => Wanted,
            "older" => Wanted with { Version = 2, PublicIp = IPAddress.Parse("192.0.2.60") },
            _ => null,
        };
        Assert.Equal(expected, PeerRoutePlanner.Decide(Peer, inView ? Wanted : null, Own, runningLease, stopping));
    }

    [Fact]
    public void The_own_subnet_is_never_a_peer_route_and_one_left_from_before_is_retired()
    {
        var ownLease = Wanted with { Subnet = Own };
        Assert.Equal(PeerRouteAction.None, PeerRoutePlanner.Decide(Own, ownLease, Own, null, false));
        Assert.Equal(PeerRouteAction.Retire, PeerRoutePlanner.Decide(Own, ownLease, Own, ownLease, false));
    }

    [Fact]
    public void Before_the_node_holds_a_lease_every_lease_in_the_view_is_a_peer()
    {
        Assert.Equal(PeerRouteAction.Start, PeerRoutePlanner.Decide(Peer, Wanted, null, null, false));
    }
}
