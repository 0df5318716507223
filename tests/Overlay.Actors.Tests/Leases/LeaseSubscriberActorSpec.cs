using System.Net;
using Akka.Actor;
using Akka.TestKit;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Tests.Leases;

/// <summary>The subscriber's ordering rules: snapshot first with events stashed, events applied
/// strictly in version order, stale ones ignored, a gap answered with a new snapshot.</summary>
public sealed class LeaseSubscriberActorSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly NetworkConfig Network = NetworkConfigParser.Default;
    private readonly TestProbe _registry;
    private readonly TestProbe _owner;

    public LeaseSubscriberActorSpec() : base(ActorSpecConfig.Cluster)
    {
        _registry = CreateTestProbe("registry");
        _owner = CreateTestProbe("owner");
    }

    private static Lease LeaseOf(int third, long version) =>
        new(Ipv4Subnet.Parse($"10.244.{third}.0/24"), $"n{third}", IPAddress.Parse($"192.0.2.{third}"), 8285,
            DateTimeOffset.UtcNow.AddHours(1), version, "");

    private IActorRef StartSubscriber() =>
        Sys.ActorOf(LeaseSubscriberActor.Props(_registry.Ref, _owner.Ref, TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(500),
            settleDelay: TimeSpan.FromMinutes(5)));

    [Fact]
    public void Events_before_the_snapshot_wait_and_events_apply_in_version_order()
    {
        var subscriber = StartSubscriber();
        _registry.ExpectMsg<GetLeaseSnapshot>(TimeSpan.FromSeconds(10));
        // Published while the snapshot is on its way: one it already contains, one after it.
        subscriber.Tell(new LeaseGranted(LeaseOf(1, 2)));
        subscriber.Tell(new LeaseGranted(LeaseOf(2, 3)));
        _registry.Reply(new LeaseSnapshot(2, Network, [LeaseOf(1, 2)]));

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
    public async Task A_missed_version_makes_it_read_the_registry_again()
    {
        var subscriber = StartSubscriber();
        _registry.ExpectMsg<GetLeaseSnapshot>(TimeSpan.FromSeconds(10));
        _registry.Reply(new LeaseSnapshot(5, Network, [LeaseOf(1, 5)]));
        Assert.Equal(5, _owner.ExpectMsg<LeaseViewChanged>().View.Version);

        subscriber.Tell(new LeaseGranted(LeaseOf(3, 7)));                    // version 6 was lost
        _registry.ExpectMsg<GetLeaseSnapshot>();
        _registry.Reply(new LeaseSnapshot(7, Network, [LeaseOf(1, 5), LeaseOf(2, 6), LeaseOf(3, 7)]));
        var healed = _owner.ExpectMsg<LeaseViewChanged>().View;
        Assert.Equal(7, healed.Version);
        Assert.Equal(3, healed.Leases.Count);

        var stats = await subscriber.Ask<SubscriberStats>(GetSubscriberStats.Instance, TimeSpan.FromSeconds(3));
        Assert.Equal(1, stats.Gaps);
    }

    [Fact]
    public void After_the_first_snapshot_it_reads_the_registry_once_more_to_cover_the_subscription_gossip_window()
    {
        Sys.ActorOf(LeaseSubscriberActor.Props(_registry.Ref, _owner.Ref, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30),
            settleDelay: TimeSpan.FromMilliseconds(500)));
        _registry.ExpectMsg<GetLeaseSnapshot>(TimeSpan.FromSeconds(10));
        _registry.Reply(new LeaseSnapshot(1, Network, []));
        _owner.ExpectMsg<LeaseViewChanged>();
        // No event arrives (one was lost in the window): the settle re-read finds it.
        _registry.ExpectMsg<GetLeaseSnapshot>(TimeSpan.FromSeconds(5));
        _registry.Reply(new LeaseSnapshot(2, Network, [LeaseOf(4, 2)]));
        Assert.Equal(2, _owner.ExpectMsg<LeaseViewChanged>().View.Version);
    }
}
