using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Tests.Leases;

/// <summary>The delta a subscriber hands its owner with each applied event names exactly the subnet
/// the event changed in the view, and none for an event that changed no lease.</summary>
public sealed class LeaseViewDeltaTests
{
    private static readonly Ipv4Subnet A = Ipv4Subnet.Parse("10.244.6.0/24");
    private static readonly Ipv4Subnet B = Ipv4Subnet.Parse("10.244.7.0/24");

    private static Lease LeaseOf(Ipv4Subnet subnet, long version) =>
        new(subnet, "n" + version, IPAddress.Parse("192.0.2.6"), 8285, DateTimeOffset.UnixEpoch.AddDays(1), version, "");

    [Fact]
    public void Every_lease_event_names_the_one_subnet_whose_entry_it_changed_and_nothing_else_differs()
    {
        var view = LeaseView.Empty;
        ILeaseEvent[] events =
        [
            new NetworkConfigured(NetworkConfigParser.Default, 1),
            new LeaseGranted(LeaseOf(A, 2)),
            new LeaseGranted(LeaseOf(B, 3)),
            new LeaseRenewed(A, DateTimeOffset.UnixEpoch.AddDays(2), 4),
            new LeaseGranted(LeaseOf(B, 5) with { PublicIp = IPAddress.Parse("192.0.2.77") }),
            new LeaseEnded(A, LeaseEndReason.Released, 6),
        ];
        foreach (var e in events)
        {
            var (outcome, next) = view.Apply(e);
            Assert.Equal(LeaseView.Outcome.Applied, outcome);
            var delta = LeaseViewDelta.Of(e);
            var changed = view.Leases.Keys.Union(next.Leases.Keys)
                .Where(s => !view.Leases.TryGetValue(s, out var before) || !next.Leases.TryGetValue(s, out var after) || before != after)
                .ToList();
            // The delta is a superset of what changed, and names at most one subnet.
            Assert.All(changed, s => Assert.Equal(s, delta.Subnet));
            Assert.True(changed.Count <= 1);
            view = next;
        }
    }

    [Fact]
    public void Grant_renewal_and_end_name_their_subnet_and_a_network_configuration_names_none()
    {
        Assert.Equal(A, LeaseViewDelta.Of(new LeaseGranted(LeaseOf(A, 2))).Subnet);
        Assert.Equal(A, LeaseViewDelta.Of(new LeaseRenewed(A, DateTimeOffset.UnixEpoch, 3)).Subnet);
        Assert.Equal(B, LeaseViewDelta.Of(new LeaseEnded(B, LeaseEndReason.Expired, 4)).Subnet);
        Assert.Same(LeaseViewDelta.NoLease, LeaseViewDelta.Of(new NetworkConfigured(NetworkConfigParser.Default, 5)));
        Assert.Null(LeaseViewDelta.NoLease.Subnet);
    }
}
