using System.Net;
using Akka.Actor;
using Akka.TestKit;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Tests.Leases;

/// <summary>The subscriber's ordering rules: the view first with events stashed, events applied
/// strictly in version order, stale ones ignored, a gap answered with a version probe that catches
/// up, and a whole new view only when the probe cannot.</summary>
public sealed class LeaseSubscriberActorSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly NetworkConfig Network = NetworkConfigParser.Default;
    private readonly TestProbe _registry;
    private readonly TestProbe _owner;

    public LeaseSubscriberActorSpec() : base(ActorSpecConfig.Cluster)
    {
        _registry = CreateTestProbe("registry");
        _owner = CreateTestProbe("owner");
        _owner.IgnoreMessages(m => m is SubscriberStats);
    }

    private static Lease LeaseOf(int third, long version) =>
        new(Ipv4Subnet.Parse($"10.244.{third}.0/24"), $"n{third}", IPAddress.Parse($"192.0.2.{third}"), 8285,
            DateTimeOffset.UtcNow.AddHours(1), version, "");

    private static LeaseSnapshotPiece Whole(long version, params Lease[] leases) =>
        new(version, 0, 1, leases.Length, Network, leases);

    private IActorRef StartSubscriber() =>
        Sys.ActorOf(LeaseSubscriberActor.Props(_registry.Ref, _owner.Ref, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5),
            settleDelay: TimeSpan.FromMinutes(5)));

    [Fact]
    public void Events_before_the_view_wait_and_events_apply_in_version_order()
    {
        var subscriber = StartSubscriber();
        Assert.Equal(new GetLeaseSnapshotPiece(0, 0), _registry.ExpectMsg<GetLeaseSnapshotPiece>(TimeSpan.FromSeconds(10)));
        // Published while the view is on its way: one it already contains, one after it.
        subscriber.Tell(new LeaseGranted(LeaseOf(1, 2)));
        subscriber.Tell(new LeaseGranted(LeaseOf(2, 3)));
        _registry.Reply(Whole(2, LeaseOf(1, 2)));

        Assert.Equal(2, _owner.ExpectMsg<LeaseViewChanged>().View.Version);
        var next = _owner.ExpectMsg<LeaseViewChanged>().View;
        Assert.Equal(3, next.Version);
        Assert.Equal(2, next.Leases.Count);

        subscriber.Tell(new LeaseGranted(LeaseOf(1, 2)));                    // stale: ignored
        subscriber.Tell(new LeaseEnded(Ipv4Subnet.Parse("10.244.1.0/24"), LeaseEndReason.Released, 4));
        var afterEnd = _owner.ExpectMsg<LeaseViewChanged>().View;
        Assert.Equal(4, afterEnd.Version);
        Assert.Equal(Ipv4Subnet.Parse("10.244.2.0/24"), Assert.Single(afterEnd.Leases).Key);
    }

    [Fact]
    public async Task A_missed_version_is_caught_up_through_a_probe_without_a_new_transfer()
    {
        var subscriber = StartSubscriber();
        _registry.ExpectMsg<GetLeaseSnapshotPiece>(TimeSpan.FromSeconds(10));
        _registry.Reply(Whole(5, LeaseOf(1, 5)));
        Assert.Equal(5, _owner.ExpectMsg<LeaseViewChanged>().View.Version);

        subscriber.Tell(new LeaseGranted(LeaseOf(3, 7)));                    // version 6 was lost
        Assert.Equal(new GetLeaseVersion(5), _registry.ExpectMsg<GetLeaseVersion>());
        // The registry sends what it still has after 5, then its version.
        _registry.Reply(new LeaseGranted(LeaseOf(2, 6)));
        _registry.Reply(new LeaseGranted(LeaseOf(3, 7)));
        _registry.Reply(new LeaseVersionIs(7));
        Assert.Equal(6, _owner.ExpectMsg<LeaseViewChanged>().View.Version);
        var healed = _owner.ExpectMsg<LeaseViewChanged>().View;
        Assert.Equal(7, healed.Version);
        Assert.Equal(3, healed.Leases.Count);
        _registry.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        var stats = await subscriber.Ask<SubscriberStats>(GetSubscriberStats.Instance, TimeSpan.FromSeconds(3));
        Assert.Equal(1, stats.Gaps);
        Assert.Equal(1, stats.Transfers);
    }

    [Fact]
    public async Task A_probe_the_registry_cannot_answer_with_events_fetches_the_whole_view()
    {
        var subscriber = StartSubscriber();
        _registry.ExpectMsg<GetLeaseSnapshotPiece>(TimeSpan.FromSeconds(10));
        _registry.Reply(Whole(5, LeaseOf(1, 5)));
        _owner.ExpectMsg<LeaseViewChanged>();

        subscriber.Tell(new LeaseGranted(LeaseOf(3, 9000)));
        _registry.ExpectMsg<GetLeaseVersion>();
        _registry.Reply(new LeaseVersionIs(9000));                          // no events: too far behind
        Assert.Equal(new GetLeaseSnapshotPiece(0, 0), _registry.ExpectMsg<GetLeaseSnapshotPiece>());
        _registry.Reply(Whole(9000, LeaseOf(1, 5), LeaseOf(3, 9000)));
        Assert.Equal(9000, _owner.ExpectMsg<LeaseViewChanged>().View.Version);

        var stats = await subscriber.Ask<SubscriberStats>(GetSubscriberStats.Instance, TimeSpan.FromSeconds(3));
        Assert.Equal(2, stats.Transfers);
    }

    [Fact]
    public void After_the_first_view_it_probes_the_registry_once_more_to_cover_the_subscription_gossip_window()
    {
        Sys.ActorOf(LeaseSubscriberActor.Props(_registry.Ref, _owner.Ref, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30),
            settleDelay: TimeSpan.FromMilliseconds(500)));
        _registry.ExpectMsg<GetLeaseSnapshotPiece>(TimeSpan.FromSeconds(10));
        _registry.Reply(Whole(1));
        _owner.ExpectMsg<LeaseViewChanged>();
        // The probe right after the transfer finds nothing new yet...
        Assert.Equal(new GetLeaseVersion(1), _registry.ExpectMsg<GetLeaseVersion>());
        _registry.Reply(new LeaseVersionIs(1));
        // ...then no event arrives (one was lost in the window): the settle probe finds it.
        Assert.Equal(new GetLeaseVersion(1), _registry.ExpectMsg<GetLeaseVersion>(TimeSpan.FromSeconds(5)));
        _registry.Reply(new LeaseGranted(LeaseOf(4, 2)));
        _registry.Reply(new LeaseVersionIs(2));
        Assert.Equal(2, _owner.ExpectMsg<LeaseViewChanged>().View.Version);
    }

    [Fact]
    public void A_whole_snapshot_from_a_registry_older_than_the_pieces_is_taken()
    {
        StartSubscriber();
        _registry.ExpectMsg<GetLeaseSnapshotPiece>(TimeSpan.FromSeconds(10));
        _registry.Reply(new LeaseSnapshot(3, Network, [LeaseOf(1, 3)]));
        Assert.Equal(3, _owner.ExpectMsg<LeaseViewChanged>().View.Version);
    }
}
